"""What the S3 nodes share: the service's XML error answers, object paths with every key
segment percent-encoded as Signature V4 expects, and XML reading without DTDs or entities."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import fromstring
from pydantic import BaseModel, ConfigDict, Field

from kyra_nodes._service import Service

#: An empty body's SHA-256 (GET, HEAD, DELETE).
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def s3_error(answer: Any) -> str | None:
    """``<Error><Code>NoSuchKey</Code><Message>…</Message></Error>`` as "NoSuchKey: …"."""
    if not isinstance(answer, str) or "<Error" not in answer:
        return None
    try:
        root = fromstring(answer)
    except Exception:
        return None
    code, message = root.findtext("Code") or "", root.findtext("Message") or ""
    return f"{code}: {message}" if code and message else code or message or None


S3 = Service("S3", error_message=s3_error)


class BucketParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bucket: str = Field(min_length=3, max_length=63, pattern=r"^[a-z0-9][a-z0-9.\-_]*[a-z0-9]$")


def object_path(bucket: str, key: str) -> str:
    """``/bucket/key`` with the key percent-encoded (slashes kept)."""
    return f"/{bucket}/{quote(key, safe='/~')}"


def children(root: Element, name: str) -> list[Element]:
    """Child elements by local name, whatever their XML namespace."""
    return [child for child in root if child.tag.rsplit("}", 1)[-1] == name]


def text(element: Element, name: str) -> str:
    found = children(element, name)
    return (found[0].text or "") if found else ""
