"""The S3 blob store against the fake S3 (which checks every Signature V4 and payload hash): one
PutObject up to a part, multipart uploads above, stored once by content, streamed reads, a
seekable open, aborted uploads after failures, and the settings that select it."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from kyra.errors import FileStoreError, FileTooLargeError
from kyra.files.s3 import S3BlobStore
from kyra.files.store import DiskBlobStore, open_store
from kyra.settings import Settings
from tests.fakes.s3 import ACCESS_KEY, REGION, SECRET_KEY, FakeS3, s3_error

MIB = 1024 * 1024
PART = 5 * MIB  # the smallest part S3 accepts


@pytest.fixture(scope="module")
def _s3_server() -> Iterator[FakeS3]:
    fake = FakeS3().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_s3(_s3_server: FakeS3) -> FakeS3:
    _s3_server.reset()
    _s3_server.buckets["blobs"] = {}
    return _s3_server


@pytest.fixture
async def store(fake_s3: FakeS3, tmp_path: Path) -> AsyncIterator[S3BlobStore]:
    built = S3BlobStore(
        bucket="blobs", endpoint=fake_s3.url, region=REGION, access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY, prefix="kyra/", spool_dir=tmp_path / "spool",
        part_bytes=PART,
    )  # fmt: skip
    yield built
    await built.close()


async def chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def pattern(size: int) -> bytes:
    return (bytes(range(251)) * (size // 251 + 1))[:size]


async def test_a_small_file_is_one_put_under_its_hash_and_stored_once(
    store: S3BlobStore, fake_s3: FakeS3, tmp_path: Path
) -> None:
    data = "héllo".encode()
    blob = await store.put(chunks(data, 2), max_bytes=100)
    again = await store.put(chunks(data), max_bytes=100)

    sha = hashlib.sha256(data).hexdigest()
    assert blob == again and (blob.sha256, blob.size) == (sha, len(data))
    key = f"kyra/{sha[:2]}/{sha[2:4]}/{sha}"
    assert [(r.method, r.path) for r in fake_s3.requests] == [
        ("HEAD", f"/blobs/{key}"), ("PUT", f"/blobs/{key}"), ("HEAD", f"/blobs/{key}"),
    ]  # fmt: skip
    put = fake_s3.requests[1]
    assert put.headers["x-amz-content-sha256"] == sha
    assert put.headers["content-length"] == str(len(data))
    assert fake_s3.buckets["blobs"][key][0] == data
    assert await store.exists(sha) and not await store.exists("0" * 64)
    assert b"".join([c async for c in store.read(sha, size=2)]) == data
    assert list((tmp_path / "spool").iterdir()) == []  # spool files are removed


async def test_a_large_file_goes_up_in_parts_each_with_its_own_hash(
    store: S3BlobStore, fake_s3: FakeS3, tmp_path: Path
) -> None:
    data = pattern(2 * PART + 1234)

    blob = await store.put(chunks(data), max_bytes=100 * MIB)

    key = store.key(blob.sha256)
    requests = [(r.method, r.query) for r in fake_s3.requests]
    assert requests[:2] == [("HEAD", {}), ("POST", {"uploads": ""})]
    upload_id = requests[2][1]["uploadId"]
    assert requests[2:] == [
        ("PUT", {"partNumber": "1", "uploadId": upload_id}),
        ("PUT", {"partNumber": "2", "uploadId": upload_id}),
        ("PUT", {"partNumber": "3", "uploadId": upload_id}),
        ("POST", {"uploadId": upload_id}),
    ]
    parts = [data[:PART], data[PART : 2 * PART], data[2 * PART :]]
    for request, part in zip(fake_s3.requests[2:5], parts, strict=True):
        assert request.headers["x-amz-content-sha256"] == hashlib.sha256(part).hexdigest()
        assert request.headers["content-length"] == str(len(part))
    assert b"<PartNumber>3</PartNumber>" in fake_s3.requests[-1].raw
    assert fake_s3.buckets["blobs"][key][0] == data
    assert fake_s3.uploads == {}
    async with store.open(blob.sha256) as handle:
        handle.seek(PART - 2)
        assert handle.read(4) == data[PART - 2 : PART + 2]
    assert list((tmp_path / "spool").iterdir()) == []


async def test_a_failed_part_aborts_the_upload_and_the_error_is_retryable(
    store: S3BlobStore, fake_s3: FakeS3
) -> None:
    data = pattern(PART + 10)
    fake_s3.fail(
        lambda r: r.query.get("partNumber") == "2",
        s3_error(503, "SlowDown", "Please reduce your request rate."),
    )

    with pytest.raises(FileStoreError) as failed:
        await store.put(chunks(data), max_bytes=100 * MIB)

    assert str(failed.value) == (
        "file store UploadPart failed: 503 SlowDown: Please reduce your request rate."
    )
    assert failed.value.retryable
    assert fake_s3.requests[-1].method == "DELETE" and "uploadId" in fake_s3.requests[-1].query
    assert fake_s3.uploads == {} and fake_s3.buckets["blobs"] == {}


async def test_limits_wrong_keys_and_missing_blobs_are_clear(
    store: S3BlobStore, fake_s3: FakeS3, tmp_path: Path
) -> None:
    with pytest.raises(FileTooLargeError, match="larger than 4 bytes"):
        await store.put(chunks(b"abcdef", 3), max_bytes=4)
    assert fake_s3.requests == [] and list((tmp_path / "spool").iterdir()) == []

    wrong = S3BlobStore(
        bucket="blobs", endpoint=fake_s3.url, region=REGION, access_key_id=ACCESS_KEY,
        secret_access_key="wrong", spool_dir=tmp_path / "spool",
    )  # fmt: skip
    with pytest.raises(FileStoreError) as refused:
        [c async for c in wrong.read("a" * 64)]
    await wrong.close()
    assert str(refused.value) == (
        "file store GetObject failed: 403 SignatureDoesNotMatch: The request signature we "
        "calculated does not match the signature you provided."
    )
    assert not refused.value.retryable and "wrong" not in str(refused.value)

    with pytest.raises(FileStoreError, match="404 NoSuchKey"):
        [c async for c in store.read("b" * 64)]


def test_the_settings_pick_the_store(tmp_path: Path) -> None:
    assert isinstance(open_store(Settings(data_dir=tmp_path)), DiskBlobStore)
    chosen = open_store(
        Settings(
            data_dir=tmp_path, files_store="s3", files_s3_bucket="b", files_s3_region="eu-west-3",
            files_s3_access_key_id="k", files_s3_secret_access_key="s",
        )
    )  # fmt: skip
    assert isinstance(chosen, S3BlobStore)
    assert chosen.url("c" * 64).startswith("https://s3.eu-west-3.amazonaws.com/b/kyra-files/cc/cc/")
    assert chosen.spool_dir == tmp_path / "files" / "incoming"
    with pytest.raises(ValueError, match="KYRA_FILES_S3_BUCKET, KYRA_FILES_S3_ACCESS_KEY_ID"):
        Settings(files_store="s3", files_s3_secret_access_key="s")
