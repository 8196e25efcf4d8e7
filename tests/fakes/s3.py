"""A local fake of the Amazon S3 REST API (path-style: ``/{bucket}/{key}``) that checks AWS
Signature Version 4 on every request, computed independently of the code under test from the
documentation (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html):

- ``PUT /{bucket}/{key}`` (Content-Length required, ``x-amz-content-sha256`` must match the
  body) → 200 with ``ETag`` (MD5 of the content, quoted)
- ``GET`` / ``HEAD /{bucket}/{key}`` → the content with ``Content-Type``, ``ETag``,
  ``Last-Modified``
- ``GET /{bucket}?list-type=2&prefix&delimiter&max-keys&continuation-token`` →
  ``ListBucketResult`` XML (``Contents``, ``CommonPrefixes``, ``IsTruncated``,
  ``NextContinuationToken``)

Errors are ``<Error><Code/><Message/></Error>`` XML: ``NoSuchKey``, ``NoSuchBucket``,
``InvalidAccessKeyId``, ``SignatureDoesNotMatch``, ``XAmzContentSHA256Mismatch``,
``MissingContentLength``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from tests.fakes.server import FakeServer, Recorded, Reply, Response

ACCESS_KEY, SECRET_KEY, REGION = (
    "AKIAFAKEKYRA0000TEST",
    "fake/Secret+Key0123456789abcdefghijklmn",
    "eu-west-3",
)
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)"
    r"/s3/aws4_request,"
    r"\s*SignedHeaders=(?P<signed>[a-z0-9;\-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


def s3_error(status: int, code: str, message: str) -> Response:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{escape(message)}</Message><RequestId>FAKE</RequestId></Error>"
    )
    return Response(status, content=body.encode(), headers={"content-type": "application/xml"})


def canonical_query(raw_query: str) -> str:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))


def signature(
    secret: str,
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    signed: list[str],
    payload: str,
    amz_date: str,
    region: str,
) -> str:
    """The Signature V4 of a request, as the documentation defines it."""
    canonical = "\n".join(
        [
            method,
            raw_path or "/",
            canonical_query(raw_query),
            "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed),
            ";".join(signed),
            payload,
        ]
    )
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (amz_date[:8], region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class FakeS3(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        #: bucket → key → (content, content type, last modified).
        self.buckets: dict[str, dict[str, tuple[bytes, str, datetime]]] = {}
        self._guard = threading.RLock()

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.buckets.clear()

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        refused = self._check_signature(recorded)
        if refused is not None:
            return refused
        with self._guard:
            bucket, _, key = recorded.path.lstrip("/").partition("/")
            if bucket not in self.buckets:
                return s3_error(404, "NoSuchBucket", "The specified bucket does not exist")
            objects = self.buckets[bucket]
            if not key and recorded.method == "GET" and recorded.query.get("list-type") == "2":
                return self._list(objects, recorded)
            if recorded.method == "PUT" and key:
                return self._put(objects, key, recorded)
            if recorded.method in ("GET", "HEAD") and key:
                if key not in objects:
                    return s3_error(404, "NoSuchKey", "The specified key does not exist.")
                content, mime, modified = objects[key]
                headers = {
                    "content-type": mime,
                    "etag": f'"{hashlib.md5(content).hexdigest()}"',
                    "last-modified": format_datetime(modified, usegmt=True),
                    "content-length": str(len(content)),
                }
                return Response(
                    200, content=b"" if recorded.method == "HEAD" else content, headers=headers
                )
            return s3_error(405, "MethodNotAllowed", "The specified method is not allowed")

    def _check_signature(self, r: Recorded) -> Response | None:
        found = _AUTH.match(r.headers.get("authorization", ""))
        if not found:
            return s3_error(403, "AccessDenied", "Access Denied")
        if found["key"] != ACCESS_KEY:
            return s3_error(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
            )
        signed = found["signed"].split(";")
        payload = r.headers.get("x-amz-content-sha256", "")
        if "host" not in signed or "x-amz-date" not in signed or not payload:
            return s3_error(400, "AuthorizationHeaderMalformed", "Missing signed headers")
        expected = signature(
            SECRET_KEY,
            method=r.method,
            raw_path=r.raw_path,
            raw_query=r.raw_query,
            headers=r.headers,
            signed=signed,
            payload=payload,
            amz_date=r.headers.get("x-amz-date", ""),
            region=found["region"],
        )
        if found["region"] != REGION or not hmac.compare_digest(expected, found["signature"]):
            return s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if payload != "UNSIGNED-PAYLOAD" and payload != hashlib.sha256(r.raw).hexdigest():
            return s3_error(
                400,
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
        return None

    def _put(self, objects: dict[str, Any], key: str, r: Recorded) -> Response:
        if "content-length" not in r.headers:
            return s3_error(
                411, "MissingContentLength", "You must provide the Content-Length HTTP header."
            )
        mime = r.headers.get("content-type", "binary/octet-stream")
        objects[key] = (r.raw, mime, datetime.now(UTC).replace(microsecond=0))
        return Response(200, content=b"", headers={"etag": f'"{hashlib.md5(r.raw).hexdigest()}"'})

    def _list(self, objects: dict[str, Any], r: Recorded) -> Response:
        prefix, delimiter = r.query.get("prefix", ""), r.query.get("delimiter", "")
        size = min(int(r.query.get("max-keys") or 1000), 1000)
        keys = sorted(k for k in objects if k.startswith(prefix))
        entries: list[tuple[str, bool]] = []  # (key or common prefix, is prefix)
        for key in keys:
            rest = key[len(prefix) :]
            if delimiter and delimiter in rest:
                common = prefix + rest.split(delimiter, 1)[0] + delimiter
                if (common, True) not in entries:
                    entries.append((common, True))
            else:
                entries.append((key, False))
        start = int(r.query.get("continuation-token", "0") or 0)
        page = entries[start : start + size]
        more = start + size < len(entries)
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
            f"<Name>{escape(r.path.strip('/'))}</Name><Prefix>{escape(prefix)}</Prefix>",
            f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{size}</MaxKeys>",
            f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>",
        ]
        if more:
            parts.append(f"<NextContinuationToken>{start + size}</NextContinuationToken>")
        for name, is_prefix in page:
            if is_prefix:
                parts.append(f"<CommonPrefixes><Prefix>{escape(name)}</Prefix></CommonPrefixes>")
                continue
            content, _mime, modified = objects[name]
            parts.append(
                f"<Contents><Key>{escape(name)}</Key><LastModified>"
                f"{modified.strftime('%Y-%m-%dT%H:%M:%S.000Z')}</LastModified>"
                f"<ETag>&quot;{hashlib.md5(content).hexdigest()}&quot;</ETag>"
                f"<Size>{len(content)}</Size><StorageClass>STANDARD</StorageClass>"
                "</Contents>"
            )
        parts.append("</ListBucketResult>")
        return Response(
            200, content="".join(parts).encode(), headers={"content-type": "application/xml"}
        )
