"""Greeting nodes: an example of a node package installed beside Kyra Flow."""
