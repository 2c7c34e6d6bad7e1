"""Background jobs of the compliance area: a large monthly import runs the import pipeline's
job (crm.imports.jobs), registered with the import kind under `compliance.import`."""

from __future__ import annotations

from crm.compliance import imports  # noqa: F401 - registers the import kind and its job
