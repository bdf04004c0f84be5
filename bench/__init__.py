"""Benchmarks for DESIGN §5's budgets: they measure and print, they never assert (`python -m bench`)."""
