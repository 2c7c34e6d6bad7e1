"""Letters made at once for many accounts (a LetterBatch): from the filtered account list
or another list page registered as a target source (the case board), drafted with the same
prefill as one letter, submitted and approved together, rendered by one job, downloaded as
a ZIP or one merged PDF."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit, storage
from crm.accounts.models import Account
from crm.accounts.services import AccountFilters, account_query
from crm.auth.models import User
from crm.extensions import db
from crm.inputs import parse_int
from crm.jobs.models import BackgroundJob
from crm.jobs.services import JobContext, create_job, job_handler
from crm.letters import pdfmerge
from crm.letters.models import TYPES, Letter, LetterBatch
from crm.letters.services import case_letter_refusal, draft_letter
from crm.letters.types import is_case_letter
from crm.services import ServiceError

DRAFT_KIND = "letters.bulk_draft"
DOWNLOAD_KIND = "letters.batch_download"
DRAFT_CHUNK = 100  # drafts committed together with the job's progress
ISSUED = ("issued", "dispatched", "received")

Target = tuple[int, int | None]  # (account id, case id or None)


# -- who gets a letter --------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetSource:
    """A list page whose filters choose a batch's recipients: `targets(args, user, limit)`
    reads the page's own query arguments and returns at most `limit` + 1 targets."""

    name: str
    path: str  # the list page the filters belong to (the batch remembers it)
    targets: Callable[[dict, object, int], list[Target]]


# Other features add their list pages with @target_source (the case board does, in
# crm.cases.bulk_letters): letters never import the features above them.
TARGET_SOURCES: dict[str, TargetSource] = {}


def target_source(name: str, path: str) -> Callable:
    """Register func(args, user, limit) -> targets as the batch source `name`."""

    def register(func: Callable) -> Callable:
        TARGET_SOURCES[name] = TargetSource(name, path, func)
        return func

    return register


@target_source("accounts", "/accounts/")
def targets_from_account_list(args: dict, user, limit: int) -> list[Target]:
    """The accounts of the account list's filters (by name), at most `limit` + 1."""
    stmt = account_query(_account_filters(args, user)).with_only_columns(Account.id)
    stmt = stmt.order_by(Account.name, Account.id).limit(limit + 1)
    return [(i, None) for i in db.session.scalars(stmt)]


def _account_filters(args: dict, user) -> AccountFilters:
    """The account list's filters from its query arguments (as crm.accounts.views reads
    them: an RM's default is their own portfolio)."""

    def number(name: str) -> int | None:
        return parse_int(args.get(name, ""))

    rm_id = number("rm")
    if args.get("rm", "") == "" and user.role == "rm":
        rm_id = user.id
    return AccountFilters(
        q=str(args.get("q", ""))[:200],
        rm_id=rm_id,
        branch_office_id=number("branch"),
        kind=args.get("kind", ""),
        segment=args.get("segment", ""),
        ownership=args.get("ownership", ""),
        status=args.get("status", ""),
        gap=args.get("gap") == "1",
        cadence=args.get("cadence", ""),
    )


# -- making the batch ---------------------------------------------------------------------------


def create_batch(
    letter_type: str, targets: list[Target], author, source: str
) -> tuple[LetterBatch, BackgroundJob | None]:
    """A batch with one draft per target: drafted now when small, else by a job (the caller
    commits; the job reaches Redis after that commit)."""
    cfg = current_app.config
    if letter_type not in TYPES:
        raise ServiceError(_("Pilih jenis surat."))
    if is_case_letter(letter_type):  # each case drafts its own when it enters the stage
        raise ServiceError(case_letter_refusal())
    if not targets:
        raise ServiceError(_("Tidak ada akun pada filter ini."))
    if len(targets) > cfg["LETTER_BULK_MAX"]:
        raise ServiceError(
            _(
                "Filter ini memuat lebih dari %(n)s akun. Persempit filter: satu kumpulan "
                "surat paling banyak %(n)s akun.",
                n=f"{cfg['LETTER_BULK_MAX']:,}".replace(",", "."),
            )
        )
    batch = LetterBatch(
        letter_type=letter_type,
        created_by_id=author.id,
        source=source[:300],
        size=len(targets),
    )
    db.session.add(batch)
    db.session.flush()
    audit.record(
        "letter.batch_created",
        batch,
        summary=f"Kumpulan surat #{batch.id} {letter_type}: {len(targets)} akun",
        actor=author,
    )
    if len(targets) <= cfg["LETTER_BULK_SYNC_MAX"]:
        draft_into_batch(batch, [list(t) for t in targets], author)
        return batch, None
    job = create_job(
        DRAFT_KIND,
        owner=author,
        params={"batch_id": batch.id, "targets": [list(t) for t in targets]},
        title=_("Draf %(n)d surat", n=len(targets)),
    )
    return batch, job


@dataclass
class DraftOutcome:
    drafted: int = 0
    refused: int = 0
    already: int = 0


def draft_into_batch(
    batch: LetterBatch,
    targets: list[list],
    author,
    progress: Callable[[int, int], None] | None = None,
) -> DraftOutcome:
    """A draft per target not yet in the batch (a re-run adds no duplicates); an account
    the author may not write for is counted as refused."""
    outcome = DraftOutcome()
    have = set(
        db.session.execute(
            select(Letter.account_id, Letter.case_id).where(Letter.batch_id == batch.id)
        ).all()
    )
    for n, (account_id, case_id) in enumerate(targets, start=1):
        if (account_id, case_id) in have:
            outcome.already += 1
        else:
            account = db.session.get(Account, account_id)
            try:  # both are raised before anything is written
                letter = draft_letter(account, batch.letter_type, author, case_id=case_id)
            except (PermissionError, ServiceError):
                outcome.refused += 1
            else:
                letter.batch_id = batch.id
                outcome.drafted += 1
        if progress and n % DRAFT_CHUNK == 0:
            progress(n, len(targets))
    return outcome


@job_handler(DRAFT_KIND, title="Draf surat massal")
def draft_batch_job(ctx: JobContext) -> dict:
    """Drafts a large batch, committing every DRAFT_CHUNK drafts with the progress."""
    batch = db.session.get(LetterBatch, ctx.params["batch_id"])
    author = db.session.get(User, ctx.owner_id)
    targets = ctx.params["targets"]
    ctx.progress(0, len(targets))
    out = draft_into_batch(batch, targets, author, lambda done, total: ctx.progress(done, total))
    ctx.progress(len(targets), len(targets), _("%(n)d draf dibuat", n=out.drafted + out.already))
    return {"batch_id": batch.id, "drafted": out.drafted, "refused": out.refused}


# -- what the batch page shows ------------------------------------------------------------------


def status_counts(batch_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Letter.status, func.count())
        .where(Letter.batch_id == batch_id)
        .group_by(Letter.status)
    ).all()
    return dict(rows)


def render_counts(batch_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Letter.render_status, func.count())
        .where(Letter.batch_id == batch_id)
        .group_by(Letter.render_status)
    ).all()
    return dict(rows)


def batch_letter_ids(batch_id: int, statuses: tuple[str, ...]) -> list[int]:
    return list(
        db.session.scalars(
            select(Letter.id)
            .where(Letter.batch_id == batch_id, Letter.status.in_(statuses))
            .order_by(Letter.id)
        )
    )


# -- downloads ----------------------------------------------------------------------------------


def issued_files(batch_id: int) -> list[tuple[str, str]]:
    """(file name, storage key) of every issued letter of the batch, in number order."""
    letters = db.session.scalars(
        select(Letter)
        .where(Letter.batch_id == batch_id, Letter.status.in_(ISSUED), Letter.pdf_key.is_not(None))
        .order_by(Letter.number_seq, Letter.id)
    ).all()
    return [(letter.pdf_filename(), letter.pdf_key) for letter in letters]


def batch_zip(files: list[tuple[str, str]], out: BinaryIO) -> None:
    """These PDFs in one ZIP written to `out` (stored, not deflated: PDFs are compressed
    already), one PDF in memory at a time."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, key in files:
            archive.writestr(name, storage.read_bytes(key))


def batch_merged_pdf(files: list[tuple[str, str]], out: BinaryIO) -> None:
    """These PDFs merged into one written to `out`, in the order given, for printing: page
    by page (crm.letters.pdfmerge), so a 5,000-letter batch is never in memory whole."""
    pdfmerge.merge_pdfs((io.BytesIO(storage.read_bytes(key)) for _name, key in files), out)


DOWNLOADS = {
    "zip": (batch_zip, "application/zip", "surat-kumpulan-{id}.zip"),
    "pdf": (batch_merged_pdf, "application/pdf", "surat-kumpulan-{id}.pdf"),
}


def build_download(fmt: str, files: list[tuple[str, str]]) -> IO[bytes]:
    """The batch's ZIP or merged PDF in a temporary file, rewound (deleted when closed)."""
    build = DOWNLOADS[fmt][0]
    # Not a with block: the caller closes it, after a response has streamed it.
    tmp = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        build(files, tmp)
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    return tmp


@job_handler(DOWNLOAD_KIND, title="Unduhan kumpulan surat")
def batch_download_job(ctx: JobContext) -> dict:
    """A large batch's ZIP or merged PDF, written to the file store for the job page."""
    _build, mimetype, filename = DOWNLOADS[ctx.params["format"]]
    batch_id = int(ctx.params["batch_id"])
    files = issued_files(batch_id)
    ctx.progress(0, 1)  # commits: no transaction (nor SQLite's write lock) while building
    with build_download(ctx.params["format"], files) as tmp:
        key = storage.put_file(tmp)
    return {"file": key, "mimetype": mimetype, "filename": filename.format(id=batch_id)}
