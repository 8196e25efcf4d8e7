"""``ai_agents.memory_schema``: how one agent remembers, validated with errors naming the key.

An empty schema gets the defaults below: a short-term window (used by runs that name a
session) on the process-shared backend of the settings, and no long-term store until the agent
turns it on with ``"long_backend": "postgres"``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: The offline model of the ``local-embeddings`` extra.
LOCAL_MODEL = "all-MiniLM-L6-v2"

CompressionStrategy = Literal["none", "summarize", "importance_based"]


class EmbeddingConfig(BaseModel):
    """Which model embeds this agent's memories: ``local`` or an LLM provider by name."""

    model_config = ConfigDict(extra="forbid")

    provider: str = Field("local", min_length=1, max_length=200)
    model: str = Field(LOCAL_MODEL, min_length=1, max_length=200)
    #: Ask the provider for shorter vectors (OpenAI ``dimensions``); None keeps its default.
    dimensions: int | None = Field(None, ge=8, le=4000)

    @property
    def cache_key(self) -> str:
        return f"{self.provider}/{self.model}/{self.dimensions or ''}"


class MemorySchema(BaseModel):
    """One agent's memory configuration (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    short_backend: str = Field("redis", min_length=1, max_length=50)
    short_window: int = Field(20, ge=0, le=1000)
    long_backend: str | None = Field(None, max_length=50)
    top_k: int = Field(5, ge=0, le=100)
    compression_strategy: CompressionStrategy = "none"
    decay_enabled: bool = False
    decay_half_life_days: float = Field(30.0, gt=0, le=36_500)
    embedding: EmbeddingConfig = Field(default_factory=EmbeddingConfig)

    @field_validator("short_backend")
    @classmethod
    def _known_short(cls, name: str) -> str:
        from kyra.memory.backends import short_backend_names

        if name not in short_backend_names():
            raise ValueError(f"unknown backend {name!r}; one of {sorted(short_backend_names())}")
        return name

    @field_validator("long_backend")
    @classmethod
    def _known_long(cls, name: str | None) -> str | None:
        from kyra.memory.backends import long_backend_names

        if name is not None and name not in long_backend_names():
            raise ValueError(f"unknown backend {name!r}; one of {sorted(long_backend_names())}")
        return name


class MemorySchemaError(ValueError):
    """A memory schema that does not validate; ``errors`` name each key as ``memory_schema.x``."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['key']}: {e['message']}" for e in errors))
        self.errors = errors


def parse_memory_schema(raw: dict[str, Any] | None, *, default_short: str) -> MemorySchema:
    """Validate a stored or submitted schema, filling defaults (``default_short`` from settings).

    Raises:
        MemorySchemaError: with one entry per invalid key.
    """
    data = dict(raw or {})
    data.setdefault("short_backend", default_short)
    try:
        return MemorySchema.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.append({"key": f"memory_schema.{path}", "message": message})
        raise MemorySchemaError(errors) from None
