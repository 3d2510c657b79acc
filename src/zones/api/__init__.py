"""The Litestar HTTP API: controllers, schemas, problem-details errors."""
