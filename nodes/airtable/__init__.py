"""Airtable: list, create, update and delete records of a base's table."""
