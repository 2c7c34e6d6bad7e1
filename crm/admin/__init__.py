"""Administration: users, branch offices, audit log."""
