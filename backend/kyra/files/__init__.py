"""Binary data between nodes: a content-addressed blob store and the owner-scoped files on it."""
