"""Built-in handlers, one module per node type (import name ``kyra_nodes``)."""
