"""Background jobs of the admin area: the audit-log CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from sqlalchemy import func, select

from crm import storage
from crm.admin.services import audit_query
from crm.audit import AuditLog
from crm.exports import csv_row
from crm.extensions import db
from crm.jobs.services import JobContext, job_handler

BATCH = 2000


@job_handler("audit.export", title="Ekspor log audit (CSV)")
def export_audit(ctx: JobContext) -> dict:
    """Write the filtered audit log to a CSV in the file store (same bytes, same key)."""
    filters = dict(ctx.params.get("filters") or {})
    for key in ("date_from", "date_to"):
        if filters.get(key):
            filters[key] = date.fromisoformat(filters[key])
    stmt = audit_query(**filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    ctx.progress(0, total, "menulis CSV")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "waktu_utc",
            "pelaku",
            "aksi",
            "jenis",
            "id_data",
            "ringkasan",
            "sebelum",
            "sesudah",
            "ip",
        ]
    )
    done, last_id = 0, None
    while True:
        page = stmt.order_by(AuditLog.id.desc()).limit(BATCH)
        if last_id is not None:
            page = page.where(AuditLog.id < last_id)
        rows = db.session.scalars(page).all()
        if not rows:
            break
        for r in rows:
            writer.writerow(
                csv_row(
                    [
                        r.id,
                        r.created_at.isoformat(),
                        r.actor_label,
                        r.action,
                        r.entity_type,
                        r.entity_id or "",
                        r.summary,
                        json.dumps(r.before, ensure_ascii=False) if r.before is not None else "",
                        json.dumps(r.after, ensure_ascii=False) if r.after is not None else "",
                        r.ip or "",
                    ]
                )
            )
        done += len(rows)
        last_id = rows[-1].id
        ctx.progress(done, total)
    ctx.progress(done, total, f"{done} baris ditulis")
    key = storage.put_bytes(out.getvalue().encode("utf-8-sig"))
    return {"file": key, "filename": "log-audit.csv", "mimetype": "text/csv", "rows": done}
