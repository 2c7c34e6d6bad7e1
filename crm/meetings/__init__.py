"""Interactions with accounts and the tasks (next steps) that come out of them."""
