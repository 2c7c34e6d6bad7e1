"""GET /healthz: JSON health of the database, Redis, the workers and the file store (200 when
all are fine, else 503). A worker is alive while its heartbeat key is fresh (crm.queue)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from redis import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from crm import queue, storage
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
    workers = {"ok": False, "alive": 0, "last_beat_seconds_ago": None}
    if redis_ok:
        try:
            alive, ago = queue.worker_liveness()
        except (RedisError, OSError):
            alive, ago = 0, None
        workers = {
            "ok": alive > 0,
            "alive": alive,
            "last_beat_seconds_ago": None if ago is None else round(ago, 1),
            "lease_seconds": current_app.config["WORKER_LEASE_SECONDS"],
        }
    files_ok, files_detail = storage.check()
    ok = database["ok"] and redis_ok and workers["ok"] and files_ok
    body = {
        "status": "ok" if ok else "degraded",
        "database": database,
        "redis": {"ok": redis_ok, "detail": redis_detail},
        "workers": workers,
        "files": {"ok": files_ok, "detail": files_detail},
    }
    return jsonify(body), 200 if ok else 503
