"""Outlook through Microsoft Graph: send, list and read mail."""
