"""GET /healthz: JSON health of the database and Redis (200 when both are fine, else 503)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crm import queue
from crm.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = {"ok": True, "detail": db.engine.dialect.name}
    except SQLAlchemyError as exc:
        database = {"ok": False, "detail": type(exc).__name__}
    finally:
        db.session.rollback()
    redis_ok, redis_detail = queue.redis_ok()
    ok = database["ok"] and redis_ok
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "redis": {"ok": redis_ok, "detail": redis_detail},
    }
    return jsonify(body), 200 if ok else 503
