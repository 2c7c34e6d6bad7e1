"""What every file store backend shares: keys, chunked copying with hashing, the error type."""

from __future__ import annotations

import hashlib
import os
from contextlib import AbstractContextManager, nullcontext
from typing import BinaryIO

CHUNK = 1024 * 1024
HEX = frozenset("0123456789abcdef")

Source = str | os.PathLike | BinaryIO


class StorageError(OSError):
    """The file store is unreachable or refused the request (a bucket that does not exist,
    bad credentials). An OSError, like a lost file share: jobs retry it later."""


def is_key(key: object) -> bool:
    """A storage key is 64 lowercase hex characters (a sha256, or as random for put_private)."""
    return isinstance(key, str) and len(key) == 64 and all(c in HEX for c in key)


def check_key(key: str) -> str:
    """The key itself, or ValueError: nothing else ever becomes a file or object name."""
    if not is_key(key):
        raise ValueError("not a storage key")
    return key


def relative_name(key: str) -> str:
    """`ab/cd/<key>`: the same layout on disk, in a bucket and inside a backup archive."""
    return f"{key[:2]}/{key[2:4]}/{key}"


def opened(source: Source) -> AbstractContextManager[BinaryIO]:
    """A path opened for reading (and closed after), or the caller's stream left open."""
    if isinstance(source, str | os.PathLike):
        return open(source, "rb")
    return nullcontext(source)


def copy_hashing(source: Source, out: BinaryIO) -> str:
    """Copy the source into `out` in chunks (never whole in memory); returns its sha256 hex."""
    digest = hashlib.sha256()
    with opened(source) as src:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()
