"""Benchmarks (run with ``python -m planning bench`` or ``python -m benchmarks.bench_engine``)."""
