"""SQLModel tables, one module per aggregate; importing this package registers them all."""

from kyra.db.models.agent import (
    AgentMemory,
    AgentRun,
    AgentSessionMessage,
    AgentStatus,
    AiAgent,
    MemoryKind,
)
from kyra.db.models.channel import ChannelDeployment
from kyra.db.models.credential import Credential
from kyra.db.models.file import StoredFile
from kyra.db.models.graph import Graph, GraphVersion
from kyra.db.models.llm import LlmModel, LlmModelPrice, LlmProvider, LlmUsageLog
from kyra.db.models.oauth import OAuthClient, OAuthState
from kyra.db.models.run import (
    TERMINAL_NODE,
    TERMINAL_RUN,
    NodeRun,
    NodeRunRow,
    NodeRunStatus,
    Run,
    RunStatus,
)
from kyra.db.models.trigger import Schedule, TriggerPoll, Webhook
from kyra.db.models.user import ApiKey, User

__all__ = [
    "TERMINAL_NODE",
    "TERMINAL_RUN",
    "AgentMemory",
    "AgentRun",
    "AgentSessionMessage",
    "AgentStatus",
    "AiAgent",
    "ApiKey",
    "ChannelDeployment",
    "Credential",
    "Graph",
    "GraphVersion",
    "LlmModel",
    "LlmModelPrice",
    "LlmProvider",
    "LlmUsageLog",
    "MemoryKind",
    "NodeRun",
    "NodeRunRow",
    "NodeRunStatus",
    "OAuthClient",
    "OAuthState",
    "Run",
    "RunStatus",
    "Schedule",
    "StoredFile",
    "TriggerPoll",
    "User",
    "Webhook",
]
