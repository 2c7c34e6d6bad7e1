"""The one import pipeline: a feature declares an ImportKind; the pipeline does the rest."""

# A feature supplies columns, a row check returning a Check (rows, refused rows, warnings,
# old -> new changes) and a writer returning an Outcome, and registers them here. Modules:
# columns/tabular read an upload; checks hold the dry run; tickets sign it for the confirm
# step; runs write it once; jobs write a large one; files, forms and views are the pages.
from __future__ import annotations

from crm.imports.checks import PROGRESS_EVERY, Change, Check, Issue, Progress, chunked
from crm.imports.columns import Column, parse_date, yes_no
from crm.imports.jobs import register_job_kind
from crm.imports.registry import JOB_KINDS, KINDS, ImportKind, Outcome, Page, Run, Urls
from crm.imports.tabular import Table, UploadError

__all__ = [
    "KINDS",
    "PROGRESS_EVERY",
    "Change",
    "Check",
    "Column",
    "ImportKind",
    "Issue",
    "Outcome",
    "Page",
    "Progress",
    "Run",
    "Table",
    "UploadError",
    "Urls",
    "chunked",
    "parse_date",
    "register",
    "yes_no",
]


def register(kind: ImportKind) -> ImportKind:
    """Declare an import kind, once; its background job kind is registered with it."""
    KINDS[kind.name] = kind
    names = JOB_KINDS.setdefault(kind.job_kind, [])
    if kind.name not in names:
        names.append(kind.name)
    register_job_kind(kind.job_kind, kind.job_title)
    return kind
