"""Helpers the tests share: tiny models, media builders, test plugins, reasoner cases (not tests themselves)."""
