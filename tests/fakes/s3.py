"""A local fake of the Amazon S3 REST API (path-style: ``/{bucket}/{key}``) that checks AWS
Signature Version 4 on every request, computed independently of the code under test from the
documentation (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).

- ``PUT /{bucket}/{key}`` (Content-Length required, ``x-amz-content-sha256`` must match the
  body) → 200 with ``ETag`` (MD5 of the content, quoted)
- ``GET`` / ``HEAD /{bucket}/{key}`` → the content with ``Content-Type``, ``ETag``,
  ``Last-Modified``
- ``GET /{bucket}?list-type=2&prefix&delimiter&max-keys&continuation-token`` →
  ``ListBucketResult`` XML (``Contents``, ``CommonPrefixes``, ``IsTruncated``,
  ``NextContinuationToken``)
- ``DELETE /{bucket}/{key}`` → 204
- multipart uploads (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html):
  ``POST /{bucket}/{key}?uploads`` → ``InitiateMultipartUploadResult`` (``UploadId``);
  ``PUT …?partNumber=N&uploadId=U`` → 200 with the part's ``ETag``; ``POST …?uploadId=U`` with
  ``<CompleteMultipartUpload><Part><PartNumber/><ETag/></Part>…`` → the object, ETag
  ``"<md5 of the parts' md5s>-<count>"``; ``DELETE …?uploadId=U`` → 204 (aborted)

Errors are ``<Error><Code/><Message/></Error>`` XML: ``NoSuchKey``, ``NoSuchBucket``,
``InvalidAccessKeyId``, ``SignatureDoesNotMatch``, ``XAmzContentSHA256Mismatch``,
``MissingContentLength``, ``NoSuchUpload``, ``InvalidPart``, ``InvalidPartOrder``,
``EntityTooSmall`` (a part but the last under 5 MiB); HEAD answers have no body.

``python -m tests.fakes.s3 BUCKET`` serves the fake in a process of its own (it prints its
URL), so a test can measure another process's memory while large objects pass.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sys
import threading
from collections.abc import Callable
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


#: Smallest part of a multipart upload but the last.
MIN_PART = 5 * 1024 * 1024


class FakeS3(FakeServer):
    def __init__(self, *, keep_bodies: bool = True) -> None:
        super().__init__()
        #: bucket → key → (content, content type, last modified).
        self.buckets: dict[str, dict[str, tuple[bytes, str, datetime]]] = {}
        #: upload id → (bucket, key, content type, part number → content).
        self.uploads: dict[str, tuple[str, str, str, dict[int, bytes]]] = {}
        #: Whether recorded requests keep their bodies (not for large objects).
        self.keep_bodies = keep_bodies
        #: Scripted failures: the first request matching a test gets its answer (once).
        self.failures: list[tuple[Callable[[Recorded], bool], Response]] = []
        self._guard = threading.RLock()

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.buckets.clear()
            self.uploads.clear()
            self.failures.clear()

    def fail(self, when: Callable[[Recorded], bool], answer: Response) -> None:
        """Answer the next request for which ``when`` holds with ``answer``."""
        with self._guard:
            self.failures.append((when, answer))

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        answer = self._answer(recorded)
        if not self.keep_bodies:
            recorded.raw = b""
        return answer

    def _answer(self, recorded: Recorded) -> Response:
        refused = self._check_signature(recorded)
        if refused is not None:
            return refused
        with self._guard:
            for index, (when, answer) in enumerate(self.failures):
                if when(recorded):
                    del self.failures[index]
                    return answer
            bucket, _, key = recorded.path.lstrip("/").partition("/")
            if bucket not in self.buckets:
                return s3_error(404, "NoSuchBucket", "The specified bucket does not exist")
            objects = self.buckets[bucket]
            if not key and recorded.method == "GET" and recorded.query.get("list-type") == "2":
                return self._list(objects, recorded)
            if key and ("uploads" in recorded.query or "uploadId" in recorded.query):
                return self._multipart(bucket, key, recorded)
            if recorded.method == "PUT" and key:
                return self._put(objects, key, recorded)
            if recorded.method == "DELETE" and key:
                objects.pop(key, None)
                return Response(204, content=b"")
            if recorded.method in ("GET", "HEAD") and key:
                if key not in objects:
                    if recorded.method == "HEAD":
                        return Response(404, content=b"")
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

    def _multipart(self, bucket: str, key: str, r: Recorded) -> Response:
        if r.method == "POST" and "uploads" in r.query:
            upload_id = secrets.token_urlsafe(24)
            mime = r.headers.get("content-type", "binary/octet-stream")
            self.uploads[upload_id] = (bucket, key, mime, {})
            return _xml(
                "InitiateMultipartUploadResult",
                f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key>"
                f"<UploadId>{upload_id}</UploadId>",
            )
        upload = self.uploads.get(r.query["uploadId"])
        if upload is None or upload[:2] != (bucket, key):
            return s3_error(
                404,
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the "
                "upload may have been aborted or completed.",
            )
        parts = upload[3]
        if r.method == "PUT":
            if "content-length" not in r.headers:
                return s3_error(
                    411, "MissingContentLength", "You must provide the Content-Length HTTP header."
                )
            parts[int(r.query["partNumber"])] = r.raw
            return Response(
                200, content=b"", headers={"etag": f'"{hashlib.md5(r.raw).hexdigest()}"'}
            )
        if r.method == "DELETE":
            del self.uploads[r.query["uploadId"]]
            return Response(204, content=b"")
        if r.method == "POST":
            return self._complete(r, upload)
        return s3_error(405, "MethodNotAllowed", "The specified method is not allowed")

    def _complete(self, r: Recorded, upload: tuple[str, str, str, dict[int, bytes]]) -> Response:
        bucket, key, mime, parts = upload
        listed = [
            (int(n), etag.replace("&quot;", '"'))
            for n, etag in re.findall(
                r"<Part>\s*<PartNumber>(\d+)</PartNumber>\s*<ETag>([^<]*)</ETag>\s*</Part>",
                r.raw.decode(),
            )
        ]
        if not listed:
            return s3_error(400, "MalformedXML", "The XML you provided was not well-formed.")
        numbers = [n for n, _ in listed]
        if numbers != sorted(set(numbers)):
            return s3_error(400, "InvalidPartOrder", "The list of parts was not in ascending "
                            "order.")  # fmt: skip
        for n, etag in listed:
            if n not in parts or etag != f'"{hashlib.md5(parts[n]).hexdigest()}"':
                return s3_error(400, "InvalidPart", "One or more of the specified parts could not "
                                "be found.")  # fmt: skip
        if any(len(parts[n]) < MIN_PART for n in numbers[:-1]):
            return s3_error(400, "EntityTooSmall", "Your proposed upload is smaller than the "
                            "minimum allowed object size.")  # fmt: skip
        content = b"".join(parts[n] for n in numbers)
        self.buckets[bucket][key] = (content, mime, datetime.now(UTC).replace(microsecond=0))
        del self.uploads[r.query["uploadId"]]
        md5s = b"".join(hashlib.md5(parts[n]).digest() for n in numbers)
        etag = f"{hashlib.md5(md5s).hexdigest()}-{len(numbers)}"
        return _xml(
            "CompleteMultipartUploadResult",
            f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key>"
            f"<ETag>&quot;{etag}&quot;</ETag>",
        )

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


def _xml(root: str, inner: str) -> Response:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</{root}>'
    )
    return Response(200, content=body.encode(), headers={"content-type": "application/xml"})


def serve(bucket: str) -> None:
    """Serve a fake with ``bucket`` until stdin closes (``python -m tests.fakes.s3 BUCKET``)."""
    fake = FakeS3(keep_bodies=False)
    fake.buckets[bucket] = {}
    fake.start()
    print(fake.url, flush=True)
    sys.stdin.read()
    fake.stop()


if __name__ == "__main__":
    serve(sys.argv[1])
