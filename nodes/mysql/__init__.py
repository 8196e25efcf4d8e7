"""MySQL and MariaDB: read and write a user's own database with bound parameters."""
