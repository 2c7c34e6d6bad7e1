"""The job-tracking table (the source of truth for every job) and periodic-run claims."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.auth.models import User
from crm.db import TimestampMixin, UTCDateTime, utcnow
from crm.extensions import db

# queued: waiting in Redis; running: a worker has it; retrying: failed transiently and waits
# for retry_at; done / failed / cancelled are final.
PENDING_STATUSES = ("queued", "running", "retrying")
FINAL_STATUSES = ("done", "failed", "cancelled")


class BackgroundJob(TimestampMixin, db.Model):
    __tablename__ = "background_job"
    __table_args__ = (
        Index("ix_background_job_owner", "owner_id", "created_at"),
        Index("ix_background_job_status", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str | None] = mapped_column(Text)
    # Each (re)dispatch gets a new number; only the run holding the current number may
    # write progress or finish. This is what makes a re-run after a crash exactly-once.
    dispatch: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[User | None] = relationship()

    @property
    def rq_id(self) -> str:
        return f"{self.id}-{self.dispatch}"

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class ScheduledRun(db.Model):
    """One row per periodic task and time slot: the insert is the claim, so it runs once."""

    __tablename__ = "scheduled_run"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    node: Mapped[str] = mapped_column(String(120), default="")
