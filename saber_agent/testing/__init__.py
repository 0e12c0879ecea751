"""Test inputs built at run time: synthetic clips and the bad-input corpus."""
