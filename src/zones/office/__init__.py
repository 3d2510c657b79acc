"""The office as planners describe it: TOML files for layouts and policy, loading, summaries."""
