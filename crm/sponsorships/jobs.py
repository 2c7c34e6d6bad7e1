"""Sponsorship background jobs: beneficiary imports and the daily expiry check."""
