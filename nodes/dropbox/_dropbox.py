"""What the Dropbox nodes share: the service and its error shapes, the ``Dropbox-API-Arg`` header
of content calls (JSON in ASCII), paths checked as Dropbox's API defines them, and metadata
entries as flat outputs."""

from __future__ import annotations

import json
import re
from typing import Any

from kyra_nodes._service import Service, standard_error

#: Where a file may be written: a path from the root, or inside a namespace.
WRITE_PATH = r"^(/(.|[\r\n])*|ns:[0-9]+(/.*)?)$"
#: What may be read: a path, a file id, a revision or a namespace path.
READ_PATH = r"^(/(.|[\r\n])*|id:.+|rev:[0-9a-f]{9,}|ns:[0-9]+(/.*)?)$"
#: A folder to list: "" is the root.
FOLDER_PATH = r"^(|/(.|[\r\n])*|id:.+|ns:[0-9]+(/.*)?)$"


def dropbox_error(answer: Any) -> str | None:
    """Dropbox's words: an ``error_summary`` (``path/not_found``) for endpoint errors (409),
    the text of a 400 (a malformed call), or the usual JSON shapes."""
    if isinstance(answer, str):
        return answer.strip().splitlines()[0] if answer.strip() else None
    if isinstance(answer, dict) and answer.get("error_summary"):
        return re.sub(r"/\.*$", "", str(answer["error_summary"]))
    return standard_error(answer)


DROPBOX = Service("Dropbox", error_message=dropbox_error)


def api_arg(value: Any) -> dict[str, str]:
    """The argument of a content call, as JSON in the ``Dropbox-API-Arg`` header (headers carry
    ASCII only, so every other character is escaped, DEL included)."""
    return {"Dropbox-API-Arg": json.dumps(value, separators=(",", ":")).replace("\x7f", "\\u007f")}


def entry_out(entry: dict[str, Any]) -> dict[str, Any]:
    """A file, folder or deleted entry's metadata as a node's output."""
    return {
        "type": entry.get(".tag", "file"),
        "id": entry.get("id"),
        "name": entry.get("name"),
        "path": entry.get("path_display"),
        "path_lower": entry.get("path_lower"),
        "size": entry.get("size"),
        "modified": entry.get("server_modified"),
        "client_modified": entry.get("client_modified"),
        "rev": entry.get("rev"),
        "content_hash": entry.get("content_hash"),
    }
