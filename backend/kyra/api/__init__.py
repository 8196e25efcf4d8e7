"""The Litestar HTTP API: thin controllers over the engine and the queries."""
