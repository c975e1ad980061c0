"""Evaluation: retrieval (BEIR format), answers to QA sets (metrics, A/B, reports) and user feedback."""
