"""Slack: post, update and upload to channels; start graphs on Events API events."""
