"""Benchmarks run by ``make bench`` (not collected by ``make test``)."""
