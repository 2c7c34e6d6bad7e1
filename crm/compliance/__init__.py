"""Contribution compliance: monthly figures per account, arrears, the working-day calendar."""
