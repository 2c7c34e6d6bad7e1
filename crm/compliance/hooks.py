"""Where the features built on compliance join in: an import calls `imported` and never
imports what follows from it (crm.hooks)."""

from __future__ import annotations

from crm.hooks import Hook

imported = Hook(
    "compliance.imported",
    "func(run, actor, in_job): a compliance import's months are written (flushed, same "
    "transaction). in_job: the import runs as a job, so heavy follow-up work should be a "
    "job of its own created here (it then exists exactly when the rows do).",
)
