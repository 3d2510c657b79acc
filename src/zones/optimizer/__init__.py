"""Optimisers: CP-SAT planning models, baselines and densification analysis."""
