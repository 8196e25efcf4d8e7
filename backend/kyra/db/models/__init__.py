"""SQLModel tables, one module per aggregate; importing this package registers them all."""

from kyra.db.models._columns import table_of
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
from kyra.db.models.run import NodeRun, NodeRunRow, Run, RunRow
from kyra.db.models.trigger import Schedule, TriggerPoll, Webhook
from kyra.db.models.user import ApiKey, User

__all__ = [
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
    "OAuthClient",
    "OAuthState",
    "Run",
    "RunRow",
    "Schedule",
    "StoredFile",
    "TriggerPoll",
    "User",
    "Webhook",
    "table_of",
]
