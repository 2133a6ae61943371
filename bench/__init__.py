"""Benchmarks: `make bench` (python -m bench) prints tables with medians and ratios."""
