"""Batch analysis: inputs, the resumable results file, the runner (local or Ray) and the evidence cache."""

from saber_agent.batch.inputs import BatchConfigError, BatchInputError, ClipItem, read_items
from saber_agent.batch.results import ResultsLog, clip_record, read_results, settings_digest
from saber_agent.batch.runner import BatchRun, BatchSummary, ClipRunner, run_batch

__all__ = [
    "BatchConfigError", "BatchInputError", "BatchRun", "BatchSummary", "ClipItem", "ClipRunner",
    "ResultsLog", "clip_record", "read_items", "read_results", "run_batch", "settings_digest",
]
