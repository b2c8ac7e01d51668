"""Benchmarks: named scenarios that measure ours against a baseline in the same run."""
