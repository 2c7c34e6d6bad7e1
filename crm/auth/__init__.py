"""Sign-in, sign-out, lockout and the user's own profile."""
