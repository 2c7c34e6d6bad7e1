"""Home pages by role: RM "Hari ini", supervisor board, admin home."""
