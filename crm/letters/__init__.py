"""Formal letters: drafting, approval and numbering, rendering to PDF, dispatch, verification."""
