"""Compliance jobs: a large import runs crm.imports.jobs under `compliance.import`."""

from __future__ import annotations

from crm.compliance import imports  # noqa: F401 - registers the import kind and its job
