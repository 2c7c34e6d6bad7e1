"""The one place that reads and writes files: a content-addressed store under FILE_STORE.

Files are named by their SHA-256, so the same bytes are stored once and a stored file can
be checked against its name. A shared volume (or an object store behind this interface)
serves several machines.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 1024 * 1024


def _root() -> Path:
    return Path(current_app.config["FILE_STORE"])


def path_for(key: str) -> Path:
    """Where the file with this key lives; refuses anything but a hex digest."""
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError("not a storage key")
    return _root() / key[:2] / key[2:4] / key


def put_bytes(data: bytes) -> str:
    """Store bytes; returns their key (sha256 hex). Writing the same bytes twice is a no-op."""
    key = hashlib.sha256(data).hexdigest()
    target = path_for(key)
    if target.exists():
        return key
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)  # atomic: readers never see half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key


def put_file(source: str | os.PathLike | BinaryIO) -> str:
    """Store a file from a path or a readable binary stream, copied in chunks (never whole
    in memory) and hashed on the way; returns its key. Storing the same bytes twice is a no-op."""
    _root().mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=_root(), prefix=".incoming-")  # same volume: os.replace
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as fh, _opened(source) as src:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        key = digest.hexdigest()
        target = path_for(key)
        if target.exists():
            Path(tmp).unlink()
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)  # atomic: readers never see half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key


def _opened(source: str | os.PathLike | BinaryIO) -> AbstractContextManager[BinaryIO]:
    """A path opened for reading (and closed after), or the caller's stream left open."""
    if isinstance(source, str | os.PathLike):
        return open(source, "rb")
    return nullcontext(source)


def put_private(data: bytes) -> str:
    """Store bytes under a fresh random key (64 hex characters, so path_for() accepts it):
    an uploaded document's name says nothing about its content and cannot be guessed."""
    while True:
        key = secrets.token_hex(32)
        target = path_for(key)
        if not target.exists():
            break
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key


def discard(key: str) -> None:
    """Remove a file stored under a random key whose database row was never written (a
    content-addressed file may be shared, so only put_private keys are discarded)."""
    path_for(key).unlink(missing_ok=True)


def read_bytes(key: str) -> bytes:
    return path_for(key).read_bytes()


def open_read(key: str) -> BinaryIO:
    """The stored file, opened for reading (the caller closes it; Flask's send_file does):
    a large result is streamed in chunks, never read whole into the web process."""
    return path_for(key).open("rb")


def exists(key: str) -> bool:
    try:
        return path_for(key).is_file()
    except ValueError:
        return False


def verify(key: str) -> bool:
    """True when the stored bytes still hash to their key."""
    digest = hashlib.sha256()
    with path_for(key).open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest() == key
