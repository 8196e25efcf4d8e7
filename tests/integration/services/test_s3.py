"""The S3 nodes against a fake S3 that checks every request's Signature V4: streamed uploads
with their SHA-256 signed, downloads into the file store, ListObjectsV2 pages, XML errors."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.fakes.s3 import ACCESS_KEY, REGION, SECRET_KEY, FakeS3
from tests.integration.services.conftest import run_node


@pytest.fixture(scope="module")
def _s3_server() -> Iterator[FakeS3]:
    fake = FakeS3().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_s3(_s3_server: FakeS3) -> FakeS3:
    _s3_server.reset()
    _s3_server.buckets["reports"] = {}
    return _s3_server


async def s3_credential(api: httpx.AsyncClient, url: str, secret: str = SECRET_KEY) -> str:
    data = {
        "access_key_id": ACCESS_KEY,
        "secret_access_key": secret,
        "region": REGION,
        "base_url": url,
    }
    created = await api.post(
        "/api/credentials", json={"name": f"s3-{uuid.uuid4().hex[:8]}", "kind": "s3", "data": data}
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture
async def credential(api: httpx.AsyncClient, fake_s3: FakeS3) -> str:
    return await s3_credential(api, fake_s3.url)


def node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    return {
        "type": f"S3.{type_}",
        "params": {"bucket": "reports", **params},
        "credentials": {"s3": credential},
    }


async def test_put_streams_a_stored_file_with_its_sha256_signed(
    api: httpx.AsyncClient, fake_s3: FakeS3, credential: str
) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    uploaded = await api.post("/api/files", params={"name": "blob.bin"}, content=data)
    ref = uploaded.json()
    key = "2024/May report (final)+ü.bin"

    result = await run_node(api, node("put_object", credential, key=key, file=ref))

    assert result["status"] == "succeeded", result["error"]
    [put] = fake_s3.requests
    assert (put.method, put.raw_path) == (
        "PUT",
        "/reports/2024/May%20report%20%28final%29%2B%C3%BC.bin",
    )
    assert put.headers["x-amz-content-sha256"] == hashlib.sha256(data).hexdigest()
    assert put.headers["content-length"] == str(len(data))
    assert "transfer-encoding" not in put.headers
    assert put.headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    assert fake_s3.buckets["reports"][key][0] == data
    assert result["output"]["out"] == {
        "bucket": "reports",
        "key": key,
        "etag": hashlib.md5(data).hexdigest(),
        "size": len(data),
    }


async def test_get_downloads_into_the_file_store_and_put_text_round_trips(
    api: httpx.AsyncClient, fake_s3: FakeS3, credential: str
) -> None:
    await run_node(api, node("put_object", credential, key="notes/hello.txt", content="Hola ñ"))

    result = await run_node(api, node("get_object", credential, key="notes/hello.txt"))

    assert result["status"] == "succeeded", result["error"]
    ref = result["output"]["out"]
    assert (ref["name"], ref["mime"], ref["size"]) == ("hello.txt", "text/plain", 7)
    content = await api.get(f"/api/files/{ref['$file']}/content")
    assert content.content == "Hola ñ".encode()
    assert fake_s3.requests[1].headers["x-amz-content-sha256"] == hashlib.sha256(b"").hexdigest()


async def test_list_follows_continuation_tokens_with_prefix_and_delimiter(
    api: httpx.AsyncClient, fake_s3: FakeS3, credential: str
) -> None:
    for name in ["a/1.csv", "a/2.csv", "a/sub/3.csv", "b/4.csv"]:
        fake_s3.buckets["reports"][name] = (b"x", "text/csv", datetime.now(UTC))
    listing = node("list_objects", credential, prefix="a/", delimiter="/", limit=3)

    result = await run_node(api, listing)

    assert result["status"] == "succeeded", result["error"]
    assert [r.query for r in fake_s3.requests] == [
        {"list-type": "2", "max-keys": "3", "prefix": "a/", "delimiter": "/"},
    ]
    out = result["output"]["out"]
    assert [o["key"] for o in out["objects"]] == ["a/1.csv", "a/2.csv"]
    assert out["prefixes"] == ["a/sub/"]
    assert out["objects"][0]["etag"] == hashlib.md5(b"x").hexdigest()

    fake_s3.reset_requests()
    paged = await run_node(api, node("list_objects", credential, limit=3))
    assert [r.query.get("continuation-token") for r in fake_s3.requests] == [None]
    assert paged["output"]["out"]["count"] == 3


async def test_a_wrong_secret_and_a_missing_key_fail_with_s3s_words(
    api: httpx.AsyncClient, fake_s3: FakeS3, credential: str
) -> None:
    wrong = await s3_credential(api, fake_s3.url, secret="not-the-secret")

    refused = await run_node(api, node("get_object", wrong, key="x"))
    missing = await run_node(api, node("get_object", credential, key="nope.txt"))

    assert refused["error"]["message"] == (
        "S3 GetObject failed: 403 SignatureDoesNotMatch: The request signature we calculated "
        "does not match the signature you provided."
    )
    assert "not-the-secret" not in str(refused)
    assert missing["error"]["message"] == (
        "S3 GetObject failed: 404 NoSuchKey: The specified key does not exist."
    )
    assert missing["attempt"] == 1
