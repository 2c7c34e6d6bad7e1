"""The file store in an S3-compatible bucket: objects `<prefix>/ab/cd/<key>`, through boto3.

One client per process, made on first use: boto3 clients are thread-safe (gunicorn's threads
share it), but neither sessions nor clients survive a fork, so a forked child (an RQ work
horse) makes its own.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from crm.storage.base import (
    Source,
    StorageError,
    copy_hashing,
    is_key,
    opened,
    relative_name,
)

MISSING = {"404", "NoSuchKey", "NotFound"}
REFUSED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
# Above 16 MB an upload goes in 16 MB parts (a 200 MB merged batch PDF is 13 parts).
TRANSFER = TransferConfig(multipart_threshold=16 * 2**20, multipart_chunksize=16 * 2**20)

_clients: dict[tuple[str | None, str | None], Any] = {}
_lock = threading.Lock()


def _forget_clients() -> None:
    global _lock
    _clients.clear()
    _lock = threading.Lock()  # another thread may have held it at the moment of the fork


os.register_at_fork(after_in_child=_forget_clients)


def client_for(endpoint: str | None, region: str | None) -> Any:
    """The process's client for this endpoint; credentials come from boto3's usual chain
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role)."""
    with _lock:
        client = _clients.get((endpoint, region))
        if client is None:
            config = BotoConfig(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
                # MinIO, Ceph and most S3-compatible services on their own host name serve
                # buckets as paths, not as sub-domains.
                s3={"addressing_style": "path" if endpoint else "auto"},
            )
            session = boto3.session.Session()
            client = session.client("s3", endpoint_url=endpoint, region_name=region, config=config)
            _clients[(endpoint, region)] = client
        return client


@dataclass(frozen=True)
class S3Store:
    bucket: str
    prefix: str  # "" or ending in "/"
    endpoint: str | None
    client: Any

    def name(self, key: str) -> str:
        return self.prefix + relative_name(key)

    def describe(self) -> str:
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    @contextmanager
    def _errors(self, key: str | None = None) -> Iterator[None]:
        """boto3's exceptions as OSErrors that say what to fix."""
        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in MISSING and key is not None:
                raise FileNotFoundError(f"{self.describe()}: no object {key}") from exc
            raise StorageError(self._explain(code, exc)) from exc
        except NoCredentialsError as exc:
            raise StorageError(
                f"{self.describe()}: no S3 credentials; set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY"
            ) from exc
        except BotoCoreError as exc:
            raise StorageError(f"{self.describe()}: S3 request failed: {exc}") from exc

    def _explain(self, code: str, exc: ClientError) -> str:
        if code in {"NoSuchBucket", "404", "NotFound"}:
            return f"S3 bucket {self.bucket!r} does not exist ({self.describe()})"
        if code in REFUSED:
            return (
                f"S3 refused access to bucket {self.bucket!r} ({code}): check "
                f"AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket policy"
            )
        return f"{self.describe()}: S3 error {code}: {exc}"

    def exists(self, key: str) -> bool:
        try:
            with self._errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self.name(key))
        except FileNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        with self._errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.name(key))
        return int(head["ContentLength"])

    def open_sized(self, key: str) -> tuple[BinaryIO, int]:
        """The object's body as a stream read from the network as the caller reads it."""
        with self._errors(key):
            got = self.client.get_object(Bucket=self.bucket, Key=self.name(key))
        return cast(BinaryIO, _Body(got["Body"], self)), int(got["ContentLength"])

    def read_bytes(self, key: str) -> bytes:
        stream, _size = self.open_sized(key)
        with stream:
            return stream.read()

    def store(self, key: str, source: Source) -> None:
        """Upload the source under this key unless the object is there already (multipart
        above TRANSFER's threshold)."""
        if self.exists(key):
            return
        with self._errors(), opened(source) as src:
            self.client.upload_fileobj(src, self.bucket, self.name(key), Config=TRANSFER)

    def put_file(self, source: Source) -> str:
        """Spool to a local temp file while hashing (the key must be known before the
        upload), then upload it unless the same bytes are stored already."""
        with tempfile.TemporaryFile() as tmp:
            key = copy_hashing(source, tmp)
            tmp.seek(0)
            self.store(key, tmp)
        return key

    def delete(self, key: str) -> None:
        with self._errors():
            self.client.delete_object(Bucket=self.bucket, Key=self.name(key))

    def iter_keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        with self._errors():
            for page in pages:
                for item in page.get("Contents", ()):
                    rest = item["Key"][len(self.prefix) :]
                    name = rest.rsplit("/", 1)[-1]
                    if is_key(name) and rest == relative_name(name):
                        yield name

    def check(self) -> tuple[bool, str]:
        """The bucket answers with these credentials (head_bucket)."""
        try:
            with self._errors():
                self.client.head_bucket(Bucket=self.bucket)
        except StorageError as exc:
            return False, str(exc)
        return True, self.describe()


class _Body:
    """get_object's streaming body, with the store's readable errors while it is read (a
    connection lost mid-download) and usable as a context manager."""

    def __init__(self, body: Any, store: S3Store) -> None:
        self._body = body
        self._store = store

    def read(self, amt: int | None = None) -> bytes:
        with self._store._errors():
            return self._body.read(amt)

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
