"""What cases do when a compliance import is written: refresh the open cases' arrears,
close the paid ones and refresh the suggestions, so the new months show at once."""

from __future__ import annotations

from crm.cases.jobs import AFTER_IMPORT_KIND
from crm.cases.services import after_compliance_import
from crm.compliance import hooks
from crm.jobs.services import create_job


@hooks.imported.register
def follow_compliance_import(run, actor, in_job: bool) -> None:
    """In a job, the refresh is a job of its own (the rows' write lock stays short); in a
    request, it runs in the same transaction (a case closes because this import shows its
    arrears paid)."""
    if in_job:
        create_job(AFTER_IMPORT_KIND, owner=actor, params={"run_id": run.id})
    else:
        after_compliance_import(run)
