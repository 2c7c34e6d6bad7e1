"""Institutional partnership models: agreements, their documents and implementation."""
