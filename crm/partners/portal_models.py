"""Partner portal models: invitations and the download log."""
