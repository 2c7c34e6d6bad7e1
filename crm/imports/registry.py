"""The registry of import kinds: what a feature declares once so the pipeline can run its import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_request_context, url_for

from crm.imports.checks import Check, Progress
from crm.imports.columns import Column
from crm.imports.tabular import Table


@dataclass
class Run:
    """What a kind's row parser and writer get: who imports, into what, and how."""

    kind: ImportKind
    actor: Any  # the importing User
    scope: Any = None  # the parent account or sponsorship the rows belong to, if any
    import_id: str = ""
    filename: str = ""
    file: str = ""  # storage key of the upload
    in_job: bool = False  # written by a background job (not inside a request)


@dataclass
class Outcome:
    """What a write did; `after` and `summary` go into the import's summary audit row."""

    created: int
    updated: int = 0
    ids: list[int] = field(default_factory=list)
    already: bool = False  # the ticket had been imported before: nothing new was written
    after: dict[str, Any] = field(default_factory=dict)
    summary: str = ""


@dataclass(frozen=True)
class Urls:
    """Endpoints of the routes a kind lives at; `scope_arg` names the scope id in them."""

    page: str
    confirm: str
    template: str
    done: str  # where the user lands once the rows are saved
    scope_arg: str | None = None
    scoped_template: bool = True  # the template route carries the scope id too


@dataclass(frozen=True)
class Page:
    """The feature-specific bits of the upload and preview pages."""

    title: str
    preview_title: str
    intro: str = ""
    help: str = ""  # what happens to stored rows; after "all rows or none"
    column_note: str = ""
    describe: Callable[[Any], dict] | None = None  # scope -> crumb, back link, subtitle
    stats: Callable[[Check, Any], list[tuple[Any, str]]] | None = None
    confirm_text: Callable[[Check, Any], str] | None = None
    preview_note: Callable[[Check], str] | None = None
    recent: Callable[[Any], list[dict]] | None = None  # scope -> latest runs
    no_recent: str = ""  # said when there are none yet
    done_message: Callable[[Outcome], str] | None = None
    job_title: Callable[[Any, str], str] | None = None  # (scope, filename) -> job title
    # The status of a refused upload: the accounts and compliance pages have always answered
    # 200 (clients and tests rely on it), the later ones 400.
    refused_status: int = 400


@dataclass(frozen=True)
class ImportKind:
    """One import: its columns, who may run it, how rows are checked and written."""

    name: str
    label: str  # the kind in a page offering several (e.g. accounts / key persons)
    columns: tuple[Column, ...]
    check: Callable[[Table, Run, Progress | None], Check]
    write: Callable[[Check, Run], Outcome]
    audit_action: str
    job_kind: str  # the background job that writes large files (names kept for queued rows)
    job_title: str
    urls: Urls
    page: Page
    group: str = ""  # kinds uploaded on one page share a group; default: the name
    audit_entity: str = "import"  # entity_type of the summary audit row (entity_id: ticket)
    load_scope: Callable[[int], Any] | None = None
    authorize: Callable[[Run], None] | None = None  # raises PermissionError / ServiceError
    max_rows: int | str = "IMPORT_MAX_ROWS"  # a number or a config key
    max_bytes: int | str = "IMPORT_MAX_BYTES"
    file_stem: str = ""  # the template file's name; default templat-impor-<name>
    sheet: str = ""
    example: Callable[[Any], dict[str, str]] | None = None  # user -> template example values

    @property
    def page_group(self) -> str:
        return self.group or self.name

    def limit(self, which: str) -> int:
        value = self.max_rows if which == "rows" else self.max_bytes
        return current_app.config[value] if isinstance(value, str) else value

    def url(self, which: str, scope: Any = None, **args: Any) -> str:
        """The URL of one of the kind's routes (page, confirm, template, done)."""
        scoped = which != "template" or self.urls.scoped_template
        if self.urls.scope_arg and scope is not None and scoped:
            args[self.urls.scope_arg] = scope.id
        if which in ("page", "template") and len(kinds_of(self.page_group)) > 1:
            args.setdefault("kind", self.name)
        endpoint = getattr(self.urls, which)
        if has_request_context():
            return url_for(endpoint, **args)
        return current_app.url_map.bind("").build(endpoint, args)  # a job: a local path


KINDS: dict[str, ImportKind] = {}
JOB_KINDS: dict[str, list[str]] = {}  # job kind -> the import kinds its jobs write


def kinds_of(group: str) -> list[ImportKind]:
    """The kinds uploaded on one page, in the order they were declared."""
    return [k for k in KINDS.values() if k.page_group == group]
