"""Benchmarks: scripts that print measured figures (run with ``make bench``)."""
