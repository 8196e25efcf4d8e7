"""The contract handlers import: what a handler receives besides its params.

Handlers depend on these protocols and types only (plus :mod:`kyra.spec`, :mod:`kyra.errors`
and :mod:`kyra.credentials`); the engine provides the implementations, so a handler never
touches the database, the broker or the web server.

* :class:`NodeContext` — the run a handler belongs to and the services it may use;
* the model-call contract (:class:`LLM`, :class:`ChatRequest`, :class:`ChatResponse` …);
* binary files (:class:`Files`, :data:`FileRef`), agent memory (:class:`MemoryAccess`);
* triggers that poll a service or that a service calls (:class:`TriggerContext`).
"""

from kyra.context.agents import AGENT_TOOL_PREFIX, AgentOptions, AgentParams, ToolSettings
from kyra.context.files import FileRef, Files, is_file_ref
from kyra.context.llm import (
    LLM,
    ChatChunk,
    ChatMessage,
    ChatRequest,
    ChatResponse,
    EmbeddingResponse,
    FunctionCall,
    ToolCall,
    Usage,
)
from kyra.context.memory import AgentMemory, MemoryAccess
from kyra.context.node import NodeContext
from kyra.context.triggers import (
    InboundRequest,
    Polled,
    Received,
    TriggerContext,
    TriggerEvent,
)

__all__ = [
    "AGENT_TOOL_PREFIX",
    "LLM",
    "AgentMemory",
    "AgentOptions",
    "AgentParams",
    "ChatChunk",
    "ChatMessage",
    "ChatRequest",
    "ChatResponse",
    "EmbeddingResponse",
    "FileRef",
    "Files",
    "FunctionCall",
    "InboundRequest",
    "MemoryAccess",
    "NodeContext",
    "Polled",
    "Received",
    "ToolCall",
    "ToolSettings",
    "TriggerContext",
    "TriggerEvent",
    "Usage",
    "is_file_ref",
]
