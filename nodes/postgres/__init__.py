"""PostgreSQL: read and write a user's own database with bound parameters."""
