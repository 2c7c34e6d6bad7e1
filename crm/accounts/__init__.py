"""Accounts: every counterpart (companies, ministries, agencies, local governments)."""
