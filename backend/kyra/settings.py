"""Settings from the environment: the only module that reads environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the product; unset URLs mean "start the embedded servers"."""

    model_config = SettingsConfigDict(env_prefix="KYRA_", extra="ignore")

    #: External PostgreSQL (with pgvector); empty starts the embedded one.
    database_url: str = Field("", validation_alias="DATABASE_URL")
    #: External Redis; empty starts the embedded one.
    redis_url: str = Field("", validation_alias="REDIS_URL")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".kyra")
    #: Accepted as an admin API key when set (automation, containers).
    admin_api_key: str = ""
    #: Fernet key for credentials at rest; generated into data_dir when empty.
    secret_key: str = ""

    #: Dramatiq queue the actors consume (separate installations may share one Redis).
    queue_name: str = "kyra"
    #: Longest an idle worker waits between polls of Redis, in milliseconds (queue hop latency).
    worker_poll_ms: int = 10
    worker_processes: int = 1
    worker_threads: int = 8
    #: Seconds a worker owns a node run before another may take it over.
    lease_seconds: float = 30.0
    #: How often leases are renewed and expired ones reaped.
    reaper_interval_seconds: float = 5.0
    #: Crashes of one node run after which it is failed instead of retried.
    max_crash_attempts: int = 5
    #: `kyra up`: pause before restarting a process that died, doubled per crash in a row...
    restart_backoff_seconds: float = 1.0
    #: ... up to this; a process is retried at least this often, forever.
    restart_max_backoff_seconds: float = 30.0
    #: Longest a call to Redis may take (a send, a publish) before it counts as failed.
    redis_timeout_seconds: float = 5.0
    #: Messages waiting in the queue beyond which new queue runs are refused (503 and
    #: Retry-After) rather than accepted late; 0 accepts any backlog.
    max_queue_backlog: int = 20_000

    max_graph_nodes: int = 5000
    max_graph_bytes: int = 2_000_000
    max_request_bytes: int = 4_000_000
    #: Deepest nesting of arrays and objects accepted in a JSON body (webhooks included).
    max_json_depth: int = Field(64, ge=1, le=500)

    #: Largest webhook body accepted; bigger requests get 413.
    webhook_max_body_bytes: int = 1_000_000
    #: How far a signed webhook's X-Kyra-Timestamp may be from now (replay window).
    webhook_tolerance_seconds: int = 300
    #: API server processes (uvicorn --workers) started by `kyra api` / `kyra up`.
    api_workers: int = 1
    #: How often the scheduler looks for due schedules.
    scheduler_interval_seconds: float = 1.0
    #: A schedule firing later than this is a missed occurrence (its node's policy applies).
    scheduler_grace_seconds: float = 60.0
    #: Telegram Bot API base URL (tests point it at a local fake).
    telegram_api_base: str = "https://api.telegram.org"

    #: The address users reach the app at (e.g. https://kyra.example.org); OAuth2 redirect
    #: URIs are built from it. Empty: from each request's own URL.
    public_url: str = ""
    #: OAuth2 clients of the operator, per provider (an admin may also set them over the API).
    google_client_id: str = ""
    google_client_secret: str = ""
    microsoft_client_id: str = ""
    microsoft_client_secret: str = ""
    #: Microsoft Entra tenant of the authorization endpoints: common, organizations or an id.
    microsoft_tenant: str = "common"
    slack_client_id: str = ""
    slack_client_secret: str = ""
    #: Refresh an OAuth2 access token when it expires within this many seconds.
    oauth_refresh_margin_seconds: float = 120.0

    #: Hosts or CIDRs HTTP nodes may reach although they are private (comma separated).
    http_allow_hosts: str = ""
    #: Where stored files (binary data between nodes) are kept; empty means data_dir/files.
    files_dir: Path | None = None
    #: Largest file a node may store.
    max_file_bytes: int = 2 * 1024**3

    #: Code node sandbox: "auto" uses bubblewrap where it works, else wasm; "disabled" refuses
    #: code nodes. KYRA_SANDBOX is the older name (it only knew auto and disabled).
    code_sandbox: Literal["auto", "bubblewrap", "wasm", "disabled"] = Field(
        "auto", validation_alias=AliasChoices("KYRA_CODE_SANDBOX", "KYRA_SANDBOX")
    )
    #: Compiled runtimes (the wasm sandbox's, ~280 MB); default ~/.cache/kyra.
    cache_dir: Path | None = None

    #: Fallback provider keys when no provider row has a credential (never logged).
    openai_api_key: str = Field("", validation_alias="OPENAI_API_KEY")
    anthropic_api_key: str = Field("", validation_alias="ANTHROPIC_API_KEY")
    openai_base_url: str = ""
    anthropic_base_url: str = ""
    llm_max_retries: int = 2
    llm_timeout_seconds: float = 120.0

    #: Short-term memory backend of agents whose memory_schema names none: one every API and
    #: worker process sees ("redis" or "postgres"; "buffer" only for one process).
    memory_short_backend: str = "redis"
    #: Torch threads of the local embedding model; 0 picks half the cores (one on two).
    embedding_threads: int = 0

    log_level: str = "INFO"

    @property
    def files_path(self) -> Path:
        return self.files_dir or self.data_dir / "files"

    @property
    def allowed_hosts(self) -> list[str]:
        return [h.strip() for h in self.http_allow_hosts.split(",") if h.strip()]


@lru_cache
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return Settings()
