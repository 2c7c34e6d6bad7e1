"""Background jobs: tracking rows, the runner, the sweeper and the periodic scheduler."""
