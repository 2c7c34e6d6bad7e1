"""The one place that reads and writes files: a content-addressed store, on a folder or in a bucket.

Files are named by their SHA-256, so the same bytes are stored once and a stored file can
be checked against its name. FILE_STORE (CRM_FILE_STORE) picks the backend: a folder
(crm.storage.local; a shared volume serves several machines) or `s3://bucket/prefix`
(crm.storage.s3, any S3-compatible object store). Callers use only the functions below;
keys are checked here, so nothing but 64 hex characters ever names a file or object.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from flask import Flask, Response, current_app, send_file

from crm.config import s3_location
from crm.storage.base import CHUNK, Source, StorageError, check_key, is_key, relative_name
from crm.storage.local import LocalStore

if TYPE_CHECKING:
    from crm.storage.s3 import S3Store

__all__ = [
    "CHUNK",
    "StorageError",
    "check",
    "discard",
    "exists",
    "is_key",
    "iter_keys",
    "open_read",
    "put_bytes",
    "put_file",
    "put_private",
    "put_with_key",
    "read_bytes",
    "relative_name",
    "send",
    "size",
    "verify",
]

log = logging.getLogger(__name__)


def _store() -> LocalStore | S3Store:
    """The backend FILE_STORE names, read on each call (cheap: the S3 client is shared)."""
    setting = current_app.config["FILE_STORE"]
    if isinstance(setting, str) and setting.startswith("s3://"):
        # Imported here: boto3 takes a good part of a second to import, and only
        # deployments with a bucket need it.
        from crm.storage.s3 import S3Store, client_for

        bucket, prefix = s3_location(setting)
        endpoint = current_app.config.get("S3_ENDPOINT_URL") or None
        client = client_for(endpoint, current_app.config.get("S3_REGION") or None)
        return S3Store(bucket, prefix, endpoint, client)
    return LocalStore(Path(setting))


def put_bytes(data: bytes) -> str:
    """Store bytes; returns their key (sha256 hex). Writing the same bytes twice is a no-op."""
    key = hashlib.sha256(data).hexdigest()
    _store().store(key, io.BytesIO(data))
    return key


def put_file(source: Source) -> str:
    """Store a file from a path or a readable binary stream, copied in chunks (never whole
    in memory) and hashed on the way; returns its key. Storing the same bytes twice is a no-op."""
    return _store().put_file(source)


def put_private(data: bytes) -> str:
    """Store bytes under a fresh random key (64 hex characters, like a content key): an
    uploaded document's name says nothing about its content and cannot be guessed."""
    store = _store()
    while True:
        key = secrets.token_hex(32)
        if not store.exists(key):
            break
    store.store(key, io.BytesIO(data))
    return key


def put_with_key(key: str, source: Source) -> bool:
    """Store a file under the key it had elsewhere (a backup being restored: content keys
    and put_private's random keys alike); False when that key is stored already."""
    store = _store()
    if store.exists(check_key(key)):
        return False
    store.store(key, source)
    return True


def discard(key: str) -> None:
    """Remove a file stored under a random key whose database row was never written (a
    content-addressed file may be shared, so only put_private keys are discarded)."""
    _store().delete(check_key(key))


def read_bytes(key: str) -> bytes:
    """The whole file in memory: for small files only (letters, logos, import files)."""
    return _store().read_bytes(check_key(key))


def open_read(key: str) -> BinaryIO:
    """The stored file as a readable binary stream (the caller closes it): a large file is
    read in chunks, never whole. FileNotFoundError when it is not stored."""
    return _store().open_sized(check_key(key))[0]


def size(key: str) -> int:
    """The stored file's size in bytes; FileNotFoundError when it is not stored."""
    return _store().size(check_key(key))


def exists(key: str) -> bool:
    """True when a file is stored under this key; False for anything that is not a key."""
    return is_key(key) and _store().exists(key)


def iter_keys() -> Iterator[str]:
    """Every stored key, in no particular order (for backups)."""
    return _store().iter_keys()


def verify(key: str) -> bool:
    """True when the stored bytes still hash to their key."""
    digest = hashlib.sha256()
    with open_read(key) as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest() == key


def send(
    key: str, mimetype: str, download_name: str | None = None, *, as_attachment: bool = True
) -> Response:
    """A response that streams the stored file in chunks (from disk or from the bucket's
    get_object body), with its length; never cached by the browser or a proxy. The stream is
    closed when the response is (a HEAD request reads none of it)."""
    stream, length = _store().open_sized(check_key(key))
    try:
        response = send_file(
            stream,
            mimetype=mimetype,
            as_attachment=as_attachment,
            download_name=download_name,
            conditional=False,
            etag=False,
            max_age=0,
        )
    except BaseException:
        stream.close()
        raise
    response.content_length = length
    response.headers["Cache-Control"] = "private, no-store"
    return response


def check() -> tuple[bool, str]:
    """(ok, detail) for /healthz: the folder is writable, or the bucket answers."""
    try:
        return _store().check()
    except StorageError as exc:
        return False, str(exc)


def log_startup_problems(app: Flask) -> None:
    """Say at startup, in plain words, when the bucket is missing or refuses our credentials
    (the app still starts: /healthz reports the file store until it is fixed). A local
    folder is only checked when it is first written."""
    if not str(app.config["FILE_STORE"]).startswith("s3://"):
        return
    with app.app_context():
        ok, detail = check()
    if not ok:
        log.error("file store unusable: %s", detail)
