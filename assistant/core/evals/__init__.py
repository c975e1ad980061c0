"""Evaluation of retrieval (BEIR format) and shared code for benchmarks."""
