"""Google Sheets: read, append, update and look up rows of a spreadsheet."""
