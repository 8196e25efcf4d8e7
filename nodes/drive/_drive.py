"""What the Drive nodes share: the service, the file fields asked for, File resources as flat
outputs, and values quoted for Drive's search language."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from kyra_nodes._service import Service

DRIVE = Service("Google Drive")
FILES = "/drive/v3/files"
UPLOADS = "/upload/drive/v3/files"
FOLDER = "application/vnd.google-apps.folder"
#: Google Docs, Sheets, Slides …: no bytes of their own, exported instead.
WORKSPACE_PREFIX = "application/vnd.google-apps."
#: The File fields every node asks for (partial responses keep answers small).
FILE_FIELDS = (
    "id,name,mimeType,size,createdTime,modifiedTime,parents,webViewLink,md5Checksum,trashed,version"
)
#: Shared drives' files too (Drive's default leaves them out).
ALL_DRIVES = {"supportsAllDrives": "true"}


def file_path(file_id: str, suffix: str = "") -> str:
    return f"{FILES}/{quote(file_id, safe='')}{suffix}"


def quoted(value: str) -> str:
    r"""A string literal of Drive's query language: ``'it\'s'``."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def file_out(resource: dict[str, Any]) -> dict[str, Any]:
    """A File resource as a node's output (snake_case, the size as a number)."""
    size = resource.get("size")
    return {
        "id": resource.get("id"),
        "name": resource.get("name"),
        "mime_type": resource.get("mimeType"),
        "is_folder": resource.get("mimeType") == FOLDER,
        "size": int(size) if size is not None else None,
        "created_time": resource.get("createdTime"),
        "modified_time": resource.get("modifiedTime"),
        "parents": resource.get("parents") or [],
        "web_view_link": resource.get("webViewLink"),
        "md5": resource.get("md5Checksum"),
        "version": resource.get("version"),
    }
