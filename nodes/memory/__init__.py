"""Memory handlers: core facts, episodes, semantic triples, search and compression."""
