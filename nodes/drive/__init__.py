"""Google Drive: list, upload, download and create folders; start graphs on new or changed
files."""
