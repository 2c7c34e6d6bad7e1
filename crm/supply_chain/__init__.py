"""Supply-chain coverage: a parent account's vendors, their registration and campaigns."""
