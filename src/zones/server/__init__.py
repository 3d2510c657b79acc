"""The HTTP server: the Litestar app, problem details, the write transaction and shared dependencies."""
