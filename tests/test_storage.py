"""crm.storage on both backends (a local folder and an S3 bucket on moto's server): the same
tests, the same answers; then what only one backend has (temp files, multipart, errors)."""

from __future__ import annotations

import hashlib
import io
import logging
import threading

import boto3
import pytest

from crm import storage
from crm.config import Config, file_store, s3_location
from crm.storage.s3 import client_for
from tests.conftest import S3_BUCKET

pytestmark = pytest.mark.usefixtures("store_backend")

DATA = b"%PDF-1.7 lampiran MoU\n" * 10
BAD_KEYS = ["../../etc/passwd", "A" * 64, "a" * 63, "g" * 64, "", "a" * 65]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_put_bytes_returns_the_sha256_and_a_second_put_is_a_no_op():
    key = storage.put_bytes(DATA)
    assert key == sha(DATA) and storage.put_bytes(DATA) == key
    assert list(storage.iter_keys()) == [key]
    assert storage.read_bytes(key) == DATA and storage.exists(key) and storage.verify(key)


def test_a_put_of_bytes_already_stored_writes_nothing():
    key = sha(DATA)
    storage.put_with_key(key, io.BytesIO(b"marker: written first"))
    assert storage.put_bytes(DATA) == key and storage.put_file(io.BytesIO(DATA)) == key
    assert storage.read_bytes(key) == b"marker: written first"  # neither put wrote again


def test_put_file_streams_from_a_path_and_from_a_stream_to_the_same_key(tmp_path):
    data = b"%PDF-1.7 not really\n" * 100_000  # 2 MB: more than one chunk
    source = tmp_path / "merged.pdf"
    source.write_bytes(data)
    key = storage.put_file(source)
    assert key == sha(data) == storage.put_file(io.BytesIO(data)) == storage.put_file(str(source))
    assert list(storage.iter_keys()) == [key]
    assert storage.read_bytes(key) == data and storage.verify(key)


def test_a_file_above_the_multipart_threshold_is_stored_whole(store_backend, s3_endpoint):
    data = bytes(range(256)) * (17 * 2**12)  # 17 MB: in parts on S3
    key = storage.put_file(io.BytesIO(data))
    assert storage.size(key) == len(data) and storage.verify(key)
    if store_backend == "s3":
        [obj] = bucket_objects(storage_prefix())
        assert obj["ETag"].strip('"').endswith("-2")  # a multipart upload's ETag: 2 parts


def test_put_private_gives_a_fresh_random_key_each_time():
    first, second = storage.put_private(DATA), storage.put_private(DATA)
    assert first != second and sha(DATA) not in (first, second)
    assert storage.is_key(first) and storage.is_key(second)
    assert storage.read_bytes(first) == storage.read_bytes(second) == DATA
    assert not storage.verify(first)  # not content-addressed: the name says nothing
    assert sorted(storage.iter_keys()) == sorted([first, second])


def test_discard_removes_the_file_and_a_second_discard_is_harmless():
    key = storage.put_private(DATA)
    storage.discard(key)
    assert not storage.exists(key) and list(storage.iter_keys()) == []
    storage.discard(key)


def test_exists_is_false_for_a_missing_file_and_for_anything_not_a_key():
    assert not storage.exists(sha(b"never stored"))
    assert not any(storage.exists(k) for k in BAD_KEYS)


def test_a_missing_file_raises_file_not_found():
    key = sha(b"never stored")
    for read in (storage.read_bytes, storage.open_read, storage.size, storage.verify):
        with pytest.raises(FileNotFoundError):
            read(key)


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_a_bad_key_is_refused_by_every_function(app, bad):
    calls = [
        storage.read_bytes,
        storage.open_read,
        storage.size,
        storage.verify,
        storage.discard,
        lambda k: storage.put_with_key(k, io.BytesIO(DATA)),
        lambda k: storage.send(k, "application/pdf", "a.pdf"),
    ]
    with app.test_request_context():
        for call in calls:
            with pytest.raises(ValueError, match="not a storage key"):
                call(bad)


def test_size_and_open_read_give_the_file_in_chunks():
    data = b"x" * (storage.CHUNK + 10)
    key = storage.put_bytes(data)
    assert storage.size(key) == len(data)
    with storage.open_read(key) as stream:
        chunks = list(iter(lambda: stream.read(storage.CHUNK), b""))
    assert [len(c) for c in chunks] == [storage.CHUNK, 10]


def test_verify_is_false_when_the_bytes_no_longer_match_their_key():
    key = sha(b"the original")
    assert storage.put_with_key(key, io.BytesIO(b"something else")) is True
    assert not storage.verify(key)


def test_put_with_key_restores_a_missing_file_and_keeps_one_that_is_there(tmp_path):
    key = storage.put_private(DATA)
    source = tmp_path / "from-backup"
    source.write_bytes(b"another version")
    assert storage.put_with_key(key, source) is False
    assert storage.read_bytes(key) == DATA
    storage.discard(key)
    assert storage.put_with_key(key, source) is True
    assert storage.read_bytes(key) == b"another version"


def test_send_streams_the_file_with_its_length_and_name(app):
    data = b"%PDF-" + b"y" * (3 * storage.CHUNK)
    key = storage.put_bytes(data)
    with app.test_request_context():
        response = storage.send(key, "application/pdf", "Naskah ü.pdf")
    assert response.direct_passthrough and response.content_length == len(data)
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Naskah%20%C3%BC.pdf" in disposition
    chunks = list(response.response)
    response.close()
    assert b"".join(chunks) == data and max(len(c) for c in chunks) < len(data)


def test_send_of_a_missing_file_raises_file_not_found(app):
    with app.test_request_context(), pytest.raises(FileNotFoundError):
        storage.send(sha(b"never stored"), "application/pdf", "a.pdf")


def test_the_store_reports_itself_healthy(client):
    ok, detail = storage.check()
    assert ok, detail
    body = client.get("/healthz").get_json()
    assert body["files"] == {"ok": True, "detail": detail}


# -- what only one backend has -------------------------------------------------------------------


def storage_prefix() -> str:
    from flask import current_app

    return s3_location(current_app.config["FILE_STORE"])[1]


def bucket_objects(prefix: str) -> list[dict]:
    from flask import current_app

    s3 = boto3.client("s3", endpoint_url=current_app.config["S3_ENDPOINT_URL"])
    return s3.list_objects_v2(Bucket=S3_BUCKET, Prefix=prefix).get("Contents", [])


@pytest.mark.parametrize("store_backend", ["s3"], indirect=True)
def test_s3_objects_are_named_like_the_files_on_disk(s3_endpoint):
    key = storage.put_bytes(DATA)
    prefix = storage_prefix()
    assert [o["Key"] for o in bucket_objects(prefix)] == [f"{prefix}{key[:2]}/{key[2:4]}/{key}"]


@pytest.mark.parametrize("store_backend", ["s3"], indirect=True)
def test_s3_keys_ignore_foreign_objects_under_the_prefix(app, s3_endpoint):
    key = storage.put_bytes(DATA)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.put_object(Bucket=S3_BUCKET, Key=f"{storage_prefix()}README.txt", Body=b"hello")
    s3.put_object(Bucket=S3_BUCKET, Key=f"{storage_prefix()}zz/{key}", Body=b"misplaced")
    assert list(storage.iter_keys()) == [key]


@pytest.mark.parametrize("store_backend", ["local"], indirect=True)
def test_local_temp_files_are_never_listed_nor_left_behind(app):
    key = storage.put_file(io.BytesIO(DATA))
    storage.put_file(io.BytesIO(DATA))
    root = app.config["FILE_STORE"]
    assert not list(root.rglob(".incoming-*"))
    (root / key[:2] / key[2:4] / ".incoming-abc").write_bytes(b"half")
    assert list(storage.iter_keys()) == [key]


@pytest.mark.parametrize("store_backend", ["s3"], indirect=True)
def test_a_missing_bucket_is_a_readable_oserror_in_health_and_startup_log(
    app, client, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "FILE_STORE", "s3://no-such-bucket/relasi")
    ok, detail = storage.check()
    assert not ok and "S3 bucket 'no-such-bucket' does not exist" in detail
    with pytest.raises(storage.StorageError, match="does not exist") as exc:
        storage.put_bytes(DATA)
    assert isinstance(exc.value, OSError)  # a render job retries it like a lost file share
    resp = client.get("/healthz")
    assert resp.status_code == 503 and resp.get_json()["files"] == {"ok": False, "detail": detail}
    with caplog.at_level(logging.ERROR, logger="crm.storage"):
        storage.log_startup_problems(app)
    assert f"file store unusable: {detail}" in caplog.text


@pytest.mark.parametrize("store_backend", ["local"], indirect=True)
def test_a_local_store_that_cannot_be_written_is_reported(app, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setitem(app.config, "FILE_STORE", blocker)
    ok, detail = storage.check()
    assert not ok and str(blocker) in detail


@pytest.mark.parametrize("store_backend", ["s3"], indirect=True)
def test_one_s3_client_serves_every_thread_of_the_process(s3_endpoint):
    seen = []
    threads = [
        threading.Thread(target=lambda: seen.append(client_for(s3_endpoint, "us-east-1")))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1


@pytest.mark.parametrize("store_backend", ["local"], indirect=True)
def test_config_reads_a_bucket_url_and_its_endpoint(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_FILE_STORE", "s3://arsip-relasi/produksi/berkas/")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://minio.internal:9000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-3")
    config = Config()
    assert config.FILE_STORE == "s3://arsip-relasi/produksi/berkas/"
    assert config.S3_ENDPOINT_URL == "http://minio.internal:9000"
    assert config.S3_REGION == "ap-southeast-3"
    monkeypatch.setenv("CRM_S3_ENDPOINT_URL", "http://objects.internal")
    assert Config().S3_ENDPOINT_URL == "http://objects.internal"  # ours wins
    assert s3_location("s3://arsip") == ("arsip", "")
    assert file_store(tmp_path / "x" / ".." / "files") == tmp_path / "files"
    with pytest.raises(ValueError, match="names no bucket"):
        file_store("s3:///prefix")
