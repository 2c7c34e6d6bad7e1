"""Supply-chain background jobs: vendor imports and monthly coverage snapshots."""
