"""The disk blob store: content-addressed, atomic, bounded, and safe with the names it is given."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kyra.errors import FileTooLargeError
from kyra.files.owned import clean_name
from kyra.files.store import DiskBlobStore


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_the_same_content_is_stored_once(tmp_path: Path) -> None:
    store = DiskBlobStore(tmp_path)
    first = await store.put(chunks(b"ab", b"c"), max_bytes=10)
    second = await store.put(chunks(b"abc"), max_bytes=10)
    assert first == second
    assert first.sha256 == hashlib.sha256(b"abc").hexdigest() and first.size == 3
    assert [p.name for p in stored_files(tmp_path)] == [first.sha256]
    assert b"".join([c async for c in store.read(first.sha256, size=1)]) == b"abc"
    async with store.open(first.sha256) as handle:
        handle.seek(1)
        assert handle.read() == b"bc"


async def test_a_file_over_the_limit_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    store = DiskBlobStore(tmp_path)
    with pytest.raises(FileTooLargeError, match="larger than 4 bytes"):
        await store.put(chunks(b"abc", b"de"), max_bytes=4)
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/" + "0" * 64, "ABC" * 30])
def test_only_hex_digests_name_blobs(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a SHA-256"):
        DiskBlobStore(tmp_path).path(name)


@pytest.mark.parametrize(
    ("given", "kept"),
    [("../../x.csv", "x.csv"), ("C:\\dir\\y.xlsx", "y.xlsx"), ("a\r\nb.txt", "ab.txt"),
     ("", "file"), ("é" * 300, "é" * 255)],
)  # fmt: skip
def test_file_names_lose_folders_and_control_characters(given: str, kept: str) -> None:
    assert clean_name(given) == kept
