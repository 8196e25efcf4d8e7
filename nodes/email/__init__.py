"""Email without a vendor: send through any SMTP server, start graphs on new IMAP mail."""
