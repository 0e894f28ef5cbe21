"""Benchmarks (not tests): run them by hand, read the printed figures. See docs/benchmarks.md."""
