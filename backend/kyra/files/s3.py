"""Blobs in an S3-compatible bucket (AWS S3, MinIO, R2 …), for workers that share no disk.

A blob is named by its content's hash, known only once the whole stream has arrived, and S3
cannot rename an object; so an incoming file is spooled to a local file while it is hashed (the
SHA-256 of the whole and of each part), then uploaded under ``<prefix>ab/cd/<sha256>`` unless
the bucket holds it already: in one PutObject up to a part's size, else as a multipart upload
whose parts stream from the spool file. Every request is signed with Signature V4
(:class:`kyra.credentials.AwsSigV4`) over the payload's hash. Reads stream the object; ``open``
(a seekable file) downloads it to a spool file first.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx

from kyra.credentials import AwsSigV4
from kyra.errors import FileStoreError, FileTooLargeError
from kyra.files.store import CHUNK_BYTES, Blob, blob_path

#: Size of the parts of a multipart upload (S3 wants at least 5 MiB but for the last one).
PART_BYTES = 8 * 1024 * 1024
#: Most parts S3 accepts in one upload.
MAX_PARTS = 10_000
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class _Spooled:
    """A stream written to ``path``, with its hash and the hash of each ``part_bytes`` part."""

    path: Path
    part_bytes: int
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    part_hashes: list[str] = field(default_factory=list)
    _part: Any = field(default_factory=hashlib.sha256)
    _part_size: int = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.digest.update(chunk)
        while chunk:
            room = self.part_bytes - self._part_size
            self._part.update(chunk[:room])
            self._part_size += min(room, len(chunk))
            chunk = chunk[room:]
            if self._part_size == self.part_bytes:
                self._end_part()

    def finish(self) -> None:
        if self._part_size or not self.part_hashes:
            self._end_part()

    def _end_part(self) -> None:
        self.part_hashes.append(self._part.hexdigest())
        self._part, self._part_size = hashlib.sha256(), 0


class S3BlobStore:
    """The :class:`kyra.files.store.BlobStore` on an S3 bucket (path-style addressing)."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint: str,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        spool_dir: Path,
        prefix: str = "",
        part_bytes: int = PART_BYTES,
        timeout: float = 120.0,
    ) -> None:
        self.bucket = bucket
        self.endpoint = endpoint.rstrip("/")
        self.prefix = prefix
        self.spool_dir = spool_dir
        self.part_bytes = part_bytes
        self._timeout = timeout
        self._keys = {
            "access_key_id": access_key_id,
            "secret_access_key": secret_access_key,
            "region": region,
        }
        self._signing = AwsSigV4("s3")
        self._client: httpx.AsyncClient | None = None

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{blob_path(sha256)}"

    def url(self, sha256: str) -> str:
        return f"{self.endpoint}/{self.bucket}/{quote(self.key(sha256), safe='/~')}"

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> Blob:
        spooled = await self._spool(chunks, max_bytes)
        try:
            blob = Blob(spooled.digest.hexdigest(), spooled.size)
            if not await self.exists(blob.sha256):
                if len(spooled.part_hashes) == 1:
                    await self._put_object(blob, spooled)
                else:
                    await self._put_multipart(blob, spooled)
            return blob
        finally:
            await asyncio.to_thread(spooled.path.unlink, missing_ok=True)

    @asynccontextmanager
    async def open(self, sha256: str) -> AsyncIterator[BinaryIO]:
        path = await self._spool_path()
        try:
            handle = await asyncio.to_thread(path.open, "w+b")
            try:
                async for chunk in self.read(sha256):
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(handle.seek, 0)
                yield handle
            finally:
                handle.close()
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def read(self, sha256: str, *, size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        response = await self._send("GetObject", "GET", self.url(sha256), stream=True)
        try:
            async for chunk in response.aiter_bytes(size):
                yield chunk
        except httpx.HTTPError as exc:
            raise FileStoreError(f"file store GetObject failed: {type(exc).__name__}") from None
        finally:
            await response.aclose()

    async def exists(self, sha256: str) -> bool:
        response = await self._send("HeadObject", "HEAD", self.url(sha256), ok=(200, 404))
        return response.status_code == 200

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _spool(self, chunks: AsyncIterable[bytes], max_bytes: int) -> _Spooled:
        spooled = _Spooled(await self._spool_path(), self.part_bytes)
        handle = await asyncio.to_thread(spooled.path.open, "wb")
        try:
            async for chunk in chunks:
                if spooled.size + len(chunk) > max_bytes:
                    raise FileTooLargeError(f"file is larger than {max_bytes} bytes")
                spooled.add(chunk)
                await asyncio.to_thread(handle.write, chunk)
        except BaseException:
            handle.close()
            await asyncio.to_thread(spooled.path.unlink, missing_ok=True)
            raise
        handle.close()
        spooled.finish()
        if len(spooled.part_hashes) > MAX_PARTS:
            await asyncio.to_thread(spooled.path.unlink, missing_ok=True)
            raise FileTooLargeError(f"file is larger than {MAX_PARTS} parts of {self.part_bytes}")
        return spooled

    async def _spool_path(self) -> Path:
        await asyncio.to_thread(self.spool_dir.mkdir, parents=True, exist_ok=True)
        return self.spool_dir / uuid.uuid4().hex

    async def _put_object(self, blob: Blob, spooled: _Spooled) -> None:
        headers = {
            "x-amz-content-sha256": blob.sha256,
            "content-length": str(blob.size),
            "content-type": "application/octet-stream",
        }
        content = _segment(spooled.path, 0, blob.size)
        await self._send(
            "PutObject", "PUT", self.url(blob.sha256), content=content, headers=headers
        )

    async def _put_multipart(self, blob: Blob, spooled: _Spooled) -> None:
        url = self.url(blob.sha256)
        started = await self._send(
            "CreateMultipartUpload",
            "POST",
            f"{url}?uploads",
            headers={"content-type": "application/octet-stream"},
        )
        upload_id = _xml_text(started.text, "UploadId")
        if not upload_id:
            raise FileStoreError("file store CreateMultipartUpload gave no UploadId")
        upload = f"uploadId={quote(upload_id, safe='')}"
        try:
            etags = []
            for number, part_hash in enumerate(spooled.part_hashes, start=1):
                offset = (number - 1) * self.part_bytes
                length = min(self.part_bytes, blob.size - offset)
                headers = {"x-amz-content-sha256": part_hash, "content-length": str(length)}
                sent = await self._send(
                    "UploadPart",
                    "PUT",
                    f"{url}?partNumber={number}&{upload}",
                    content=_segment(spooled.path, offset, length),
                    headers=headers,
                )
                etags.append(sent.headers.get("etag", ""))
            parts = "".join(
                f"<Part><PartNumber>{n}</PartNumber><ETag>{escape(etag)}</ETag></Part>"
                for n, etag in enumerate(etags, start=1)
            )
            body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
            headers = {
                "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
                "content-type": "application/xml",
            }
            done = await self._send(
                "CompleteMultipartUpload", "POST", f"{url}?{upload}", content=body, headers=headers
            )
            if "<Error>" in done.text:  # S3 may fail a completion after answering 200
                raise FileStoreError(f"file store CompleteMultipartUpload failed: {_error(done)}")
        except BaseException:
            with suppress(FileStoreError):
                await self._send("AbortMultipartUpload", "DELETE", f"{url}?{upload}", ok=(204,))
            raise

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        return self._client

    async def _send(
        self,
        what: str,
        method: str,
        url: str,
        *,
        content: bytes | AsyncIterator[bytes] | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
        stream: bool = False,
    ) -> httpx.Response:
        """One signed request; the response when its status is one of ``ok``.

        Raises:
            FileStoreError: a network failure or another status (retryable when it may pass).
        """
        headers = {"x-amz-content-sha256": EMPTY_SHA256, **(headers or {})}
        request = self._http.build_request(method, url, content=content, headers=headers)
        self._signing.apply(request, self._keys)
        try:
            response = await self._http.send(request, stream=stream)
            if response.status_code in ok:
                return response
            await response.aread()
        except httpx.HTTPError as exc:
            raise FileStoreError(f"file store {what} failed: {type(exc).__name__}") from None
        message = f"file store {what} failed: {response.status_code} {_error(response)}"
        raise FileStoreError(message, retryable=response.status_code in _RETRYABLE)


async def _segment(path: Path, offset: int, length: int) -> AsyncIterator[bytes]:
    """``length`` bytes of the file at ``path`` from ``offset``, in chunks."""
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        await asyncio.to_thread(handle.seek, offset)
        while length > 0:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK_BYTES, length))
            if not chunk:
                raise FileStoreError("file store: the spooled file ended early")
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _xml_text(document: str, tag: str) -> str:
    found = re.search(rf"<{tag}>([^<]*)</{tag}>", document)
    return html.unescape(found.group(1)) if found else ""


def _error(response: httpx.Response) -> str:
    """S3's ``<Error><Code/><Message/></Error>`` as "Code: Message" (HEAD answers have none)."""
    text = response.text if response.content else ""
    code, message = _xml_text(text, "Code"), _xml_text(text, "Message")
    return ": ".join(part for part in (code, message) if part) or response.reason_phrase
