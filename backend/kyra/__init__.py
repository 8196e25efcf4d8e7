"""Kyra Flow: a visual workflow builder for automation and AI agents."""

__version__ = "0.1.0"
