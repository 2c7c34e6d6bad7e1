"""The file store on a local folder (or a shared volume): `<root>/ab/cd/<key>`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from crm.storage.base import Source, copy_hashing, is_key, relative_name

INCOMING = ".incoming-"


@dataclass(frozen=True)
class LocalStore:
    root: Path

    def path_for(self, key: str) -> Path:
        """Where the file with this key lives (the key is checked by the caller)."""
        return self.root / relative_name(key)

    def describe(self) -> str:
        return str(self.root)

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def size(self, key: str) -> int:
        return self.path_for(key).stat().st_size

    def open_sized(self, key: str) -> tuple[BinaryIO, int]:
        fh = self.path_for(key).open("rb")
        return fh, os.fstat(fh.fileno()).st_size

    def read_bytes(self, key: str) -> bytes:
        return self.path_for(key).read_bytes()

    def store(self, key: str, source: Source) -> None:
        """Write the source under this key, unless a file is there already."""
        target = self.path_for(key)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        self._commit(self._spool(source, target.parent)[0], target)

    def put_file(self, source: Source) -> str:
        """Copy into a temp file on the store's own volume (so the rename is atomic), hashing
        on the way; the temp file becomes the stored file, or goes when it is there already."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp, key = self._spool(source, self.root)
        target = self.path_for(key)
        if target.exists():
            tmp.unlink()
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        self._commit(tmp, target)
        return key

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def iter_keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("*/*/*"):
            # Half-written `.incoming-` files and anything foreign are not stored files.
            if is_key(path.name) and path.is_file():
                yield path.name

    def check(self) -> tuple[bool, str]:
        """Writable: a probe file is created and removed (os.access lies on network shares)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=INCOMING)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            return False, f"{self.root} is not writable: {exc.strerror or exc}"
        return True, f"local {self.root}"

    @staticmethod
    def _spool(source: Source, folder: Path) -> tuple[Path, str]:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=INCOMING)
        try:
            with os.fdopen(fd, "wb") as fh:
                key = copy_hashing(source, fh)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Path(tmp), key

    @staticmethod
    def _commit(tmp: Path, target: Path) -> None:
        try:
            os.replace(tmp, target)  # atomic: readers never see half a file
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
