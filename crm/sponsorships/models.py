"""Sponsorship models: sponsorships, beneficiaries, payments and package prices."""
