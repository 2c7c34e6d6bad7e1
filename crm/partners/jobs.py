"""Partnership background jobs: the daily agreement expiry check."""
