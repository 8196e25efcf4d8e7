"""Every Gmail, Slack and Outlook node type through the real processes of ``kyra up`` (uvicorn, a
Dramatiq worker, the scheduler) in sync and queue mode, and the two triggers: Gmail polled by
the scheduler process, Slack events received by the API process."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.gmail import FakeGmail
from tests.fakes.graph import FakeGraph
from tests.fakes.oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth
from tests.fakes.slack import PASTED_TOKEN, SIGNING_SECRET, FakeSlack, sign
from tests.system.stack import KyraStack

ACTIONS = [
    (
        "send",
        "Gmail.send_message",
        {"to": "bo@example.org", "subject": "Tour {{ trigger.tag }}", "text": "Hello"},
    ),
    ("inbox", "Gmail.list_messages", {"query": "subject:Welcome", "limit": 5}),
    ("read", "Gmail.get_message", {"message_id": "{{ nodes.inbox.output.messages[0].id }}"}),
    (
        "label",
        "Gmail.modify_labels",
        {"message_id": "{{ nodes.read.output.id }}", "remove_labels": ["UNREAD"]},
    ),
    ("answer", "Gmail.reply", {"message_id": "{{ nodes.read.output.id }}", "text": "Thanks"}),
    ("channels", "Slack.list_channels", {"limit": 10}),
    ("post", "Slack.post_message", {"channel": "general", "text": "Tour {{ trigger.tag }}"}),
    (
        "edit",
        "Slack.update_message",
        {
            "channel": "{{ nodes.post.output.channel }}",
            "ts": "{{ nodes.post.output.ts }}",
            "text": "Tour {{ trigger.tag }} done",
        },
    ),
    (
        "upload",
        "Slack.upload_file",
        {"channel": "C0GENERAL", "filename": "tour.txt", "content": "{{ trigger.tag }}"},
    ),
    ("mail", "Outlook.send_message", {"to": "cy@fabrikam.example", "subject": "Tour"}),
    ("outbox", "Outlook.list_messages", {"folder": "inbox", "limit": 5}),
    ("open", "Outlook.get_message", {"message_id": "{{ nodes.outbox.output.messages[0].id }}"}),
]


def wait_until(check: Callable[[], Any], timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Any]]:
    google, slack_auth, microsoft = (FakeOAuth(d).start() for d in ("google", "slack", "microsoft"))
    servers = {
        "google": google,
        "slack_auth": slack_auth,
        "microsoft": microsoft,
        "gmail": FakeGmail(google).start(),
        "slack": FakeSlack(slack_auth).start(),
        "graph": FakeGraph(microsoft).start(),
    }
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def client(kyra_stack: KyraStack) -> httpx.Client:
    """The shared ``kyra up`` (tests/system/conftest.py), reached with its admin key."""
    return kyra_stack.client


def credential(client: httpx.Client, kind: str, data: dict[str, str]) -> str:
    body = {"name": f"{kind}-{uuid.uuid4().hex[:6]}", "kind": kind, "data": data}
    created = client.post("/api/credentials", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture(scope="module")
def credentials(client: httpx.Client, fakes: dict[str, Any]) -> dict[str, str]:
    for provider, fake in (("google", fakes["google"]), ("microsoft", fakes["microsoft"])):
        body = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "authorize_url": fake.authorize_url,
            "token_url": fake.token_url,
        }
        assert client.put(f"/api/oauth/providers/{provider}", json=body).status_code == 200

    def tokens(fake: FakeOAuth) -> dict[str, str]:
        issued = fake.issue()
        return {
            "access_token": issued["access_token"],
            "refresh_token": issued["refresh_token"],
            "expires_at": str(int(time.time()) + 3600),
        }

    return {
        "gmail": credential(
            client, "gmail", tokens(fakes["google"]) | {"base_url": fakes["gmail"].url}
        ),
        "slack": credential(
            client,
            "slack",
            {
                "access_token": PASTED_TOKEN,
                "signing_secret": SIGNING_SECRET,
                "base_url": f"{fakes['slack'].url}/api",
            },
        ),
        "outlook": credential(
            client,
            "outlook",
            tokens(fakes["microsoft"]) | {"base_url": f"{fakes['graph'].url}/v1.0"},
        ),
    }


def create(client: httpx.Client, nodes: list[dict[str, Any]], creds: dict[str, str]) -> str:
    for node in nodes:
        service = node["type"].split(".")[0].lower()
        node["credentials"] = {service: creds[service]} if service in creds else {}
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    document = {
        "schema": "kyra.graph/1",
        "name": f"up-{uuid.uuid4().hex[:8]}",
        "nodes": nodes,
        "edges": edges,
    }
    created = client.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def final(client: httpx.Client, run_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        run = client.get(f"/api/runs/{run_id}").json()
        return run if run["status"] in ("succeeded", "failed", "cancelled", "paused") else None

    return dict(wait_until(done))


def test_every_action_node_runs_in_sync_and_queue_mode(
    client: httpx.Client, fakes: dict[str, Any], credentials: dict[str, str]
) -> None:
    fakes["gmail"].deliver(sender="ada@example.org", subject="Welcome", text="Hi there")
    fakes["graph"].deliver(sender="bo@fabrikam.example", subject="Agenda", text="Monday")
    nodes = [{"id": "start", "type": "Manual.trigger"}] + [
        {"id": node_id, "type": type_, "params": params} for node_id, type_, params in ACTIONS
    ]
    graph_id = create(client, nodes, credentials)

    for mode in ("sync", "queue"):
        started = client.post(
            f"/api/graphs/{graph_id}/runs", json={"mode": mode, "inputs": {"tag": mode}}
        )
        assert started.status_code in (200, 202), started.text
        run = final(client, started.json()["id"])
        assert run["status"] == "succeeded", [
            (n["node_id"], n["params"], n["output"], n["error"]) for n in run["node_runs"]
        ]
        ran = {n["node_type"] for n in run["node_runs"] if n["status"] == "succeeded"}
        assert ran >= {type_ for _, type_, _ in ACTIONS}

    assert len(fakes["gmail"].sent()) == 4  # a message and a reply per run
    assert [m["text"] for m in fakes["slack"].posted("C0GENERAL")] == [
        "Tour sync done",
        "Tour queue done",
    ]
    assert len(fakes["graph"].in_folder("sentitems")) == 2


def test_the_triggers_start_runs_through_the_scheduler_and_the_api_process(
    client: httpx.Client, fakes: dict[str, Any], credentials: dict[str, str]
) -> None:
    polled = create(
        client,
        [
            {"id": "mail", "type": "Gmail.trigger", "params": {"poll_seconds": 10}},
            {"id": "seen", "type": "Core.set", "params": {"values": "{{ trigger.subject }}"}},
        ],
        credentials,
    )
    evented = create(
        client,
        [
            {"id": "events", "type": "Slack.trigger"},
            {"id": "seen", "type": "Core.set", "params": {"values": "{{ trigger.text }}"}},
        ],
        credentials,
    )

    # Gmail: the scheduler process polls; mail arriving after its first poll starts a run.
    wait_until(lambda: client.get(f"/api/graphs/{polled}").json()["polls"][0]["started"])
    fakes["gmail"].deliver(sender="cy@example.org", subject="Polled!", text="new")
    runs = wait_until(lambda: client.get(f"/api/graphs/{polled}/runs").json(), timeout=60)
    # Slack: a signed event to the API process starts a queued run.
    body = json.dumps(
        {
            "type": "event_callback",
            "event_id": "Ev0UP1",
            "team_id": "T0KYRA",
            "event": {
                "type": "message",
                "text": "evented!",
                "user": "U0ADA",
                "channel": "C0GENERAL",
                "ts": "1.2",
            },
        }
    ).encode()
    answered = httpx.post(
        f"{client.base_url}/hooks/slack/{evented}/events", content=body, headers=sign(body)
    )
    assert answered.status_code == 200, answered.text
    [event_run] = wait_until(lambda: client.get(f"/api/graphs/{evented}/runs").json())

    assert [final(client, r["id"])["output"]["seen"] for r in runs] == ["Polled!"]
    assert final(client, event_run["id"])["output"]["seen"] == "evented!"
