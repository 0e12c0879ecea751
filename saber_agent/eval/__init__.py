"""Evaluation: metrics, EmoBench-M, the emotion lexicon and the evaluation report."""
