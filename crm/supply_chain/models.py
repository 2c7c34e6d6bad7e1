"""Supply-chain models: vendor links of a parent account and coverage snapshots."""
