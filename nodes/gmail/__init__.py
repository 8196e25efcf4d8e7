"""Gmail: send, reply, list, read and label messages; start graphs on new mail."""
