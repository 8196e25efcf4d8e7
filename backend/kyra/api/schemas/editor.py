"""What the editor's helper routes answer."""

from __future__ import annotations

from typing import Any

from kyra.api.schemas.base import ReadModel

__all__ = ["PreviewError", "TemplatePreviewRead"]


class PreviewError(ReadModel):
    """The error a run would get from the template."""

    type: str
    message: str


class TemplatePreviewRead(ReadModel):
    """A template rendered against sample data: its value, or the error (then value is null)."""

    value: Any
    error: PreviewError | None
