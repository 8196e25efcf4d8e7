"""Dropbox: upload, download and list files (API v2, on its API and content hosts)."""
