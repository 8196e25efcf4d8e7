"""The ``kyra.graph/1`` document model and its structured validation."""
