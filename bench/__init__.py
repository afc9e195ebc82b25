"""Benchmarks: `python -m bench <workload>`. Each prints its figures and, last, one JSON line."""
