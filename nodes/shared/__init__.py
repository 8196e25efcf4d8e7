"""Helpers the built-in handlers share: item lists and paths, value coercion, dates, files."""
