"""Escalation cases: the sanction ladder from Persuasi to SKK Kejaksaan."""
