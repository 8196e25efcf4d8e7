"""The integration examples in graphs/integrations/ run against the fake services, in sync and
queue mode, and through their triggers (a Gmail poll, a signed Slack event)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from kyra.graph.validate import validate_document
from kyra.registry import default_registry
from tests.fakes.gmail import FakeGmail
from tests.fakes.graph import FakeGraph
from tests.fakes.slack import FakeSlack, sign
from tests.graphs.test_examples import wait_for_final
from tests.integration.services.test_gmail_trigger import poll

EXAMPLES = Path(__file__).resolve().parents[3] / "graphs" / "integrations"


def example(name: str, credentials: dict[str, str]) -> dict[str, Any]:
    """An example graph with ``credentials`` (kind → id) attached to every node that reads them."""
    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    assert validate_document(document, default_registry()) == []
    registry = default_registry()
    for node in document["nodes"]:
        spec = registry.get(node["type"])
        assert spec is not None
        kinds = {ref.kind for ref in spec.credentials}
        node["credentials"] = {k: v for k, v in credentials.items() if k in kinds}
    return document


async def run(
    api: httpx.AsyncClient, graph_id: str, mode: str, inputs: dict[str, Any]
) -> dict[str, Any]:
    started = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": mode, "inputs": inputs})
    assert started.status_code in (200, 202), started.text
    finished = started.json() if mode == "sync" else await wait_for_final(api, started.json()["id"])
    assert finished["status"] == "succeeded", (finished["error"], finished["node_runs"])
    return dict(finished)


async def test_gmail_auto_reply_answers_and_files_each_new_message(
    api: httpx.AsyncClient,
    fake_gmail: FakeGmail,
    gmail_credential: str,
    services: Any,
    worker: Any,
) -> None:
    graph = (
        await api.post("/api/graphs", json=example("gmail_auto_reply", {"gmail": gmail_credential}))
    ).json()
    try:
        by_hand = fake_gmail.deliver(sender="bo@example.org", subject="Order 17", text="Where?")
        for mode in ("sync", "queue"):
            await run(api, graph["id"], mode, {"id": by_hand.id, "subject": "Order 17"})
        await poll(services, after_s=0)
        polled = fake_gmail.deliver(sender="cy@example.org", subject="Invoice", text="Due")
        assert await poll(services, after_s=61) == 1
        [last] = [
            r
            for r in (await api.get(f"/api/graphs/{graph['id']}/runs")).json()
            if r["trigger_kind"] == "poll"
        ]
        assert (await wait_for_final(api, last["id"]))["status"] == "succeeded"
    finally:
        await api.delete(f"/api/graphs/{graph['id']}")

    replies = [m.mime for m in fake_gmail.sent()]
    assert [m["Subject"] for m in replies] == ["Re: Order 17", "Re: Order 17", "Re: Invoice"]
    assert 'Thanks for your message "Invoice"' in replies[-1].get_content()
    assert fake_gmail.messages[polled.id].label_ids == ["INBOX", "STARRED"]


async def test_slack_release_notes_posts_attaches_and_updates(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str, worker: Any
) -> None:
    graph = (
        await api.post(
            "/api/graphs", json=example("slack_release_notes", {"slack": slack_credential})
        )
    ).json()
    inputs = {"channel": "general", "version": "1.2.0", "notes": "- faster\n- safer\n"}

    for mode in ("sync", "queue"):
        finished = await run(api, graph["id"], mode, inputs)
        assert finished["output"]["done"]["text"] == ":white_check_mark: Release 1.2.0 is out"

    announcements = fake_slack.posted("C0GENERAL")
    assert [m["text"] for m in announcements] == [":white_check_mark: Release 1.2.0 is out"] * 2
    shared = [u["shared"] for u in fake_slack.uploads.values()]
    assert [s["thread_ts"] for s in shared] == [m["ts"] for m in announcements]
    assert {u["content"] for u in fake_slack.uploads.values()} == {b"- faster\n- safer\n"}


async def test_slack_mention_bot_answers_in_the_thread(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str, worker: Any
) -> None:
    graph = (
        await api.post(
            "/api/graphs", json=example("slack_mention_bot", {"slack": slack_credential})
        )
    ).json()
    mention = {
        "channel": "C0RANDOM",
        "ts": "1700000000.000100",
        "user": "U0ADA",
        "text": "<@U0BOT> status?",
    }
    try:
        await run(api, graph["id"], "sync", mention)
        body = json.dumps(
            {
                "type": "event_callback",
                "event_id": "Ev0EX1",
                "team_id": "T0KYRA",
                "event": {"type": "app_mention", **mention},
            }
        ).encode()
        path = f"/hooks/slack/{graph['id']}/mention"
        answered = await api.post(path, content=body, headers=sign(body) | {"X-API-Key": ""})
        assert answered.status_code == 200
        [event_run] = [
            r
            for r in (await api.get(f"/api/graphs/{graph['id']}/runs")).json()
            if r["trigger_kind"] == "event"
        ]
        assert (await wait_for_final(api, event_run["id"]))["status"] == "succeeded"
    finally:
        await api.delete(f"/api/graphs/{graph['id']}")

    answers = fake_slack.posted("C0RANDOM")
    assert [(m["thread_ts"], m["text"]) for m in answers] == [
        ("1700000000.000100", "Hi <@U0ADA>, I heard: <@U0BOT> status?"),
    ] * 2


async def test_outlook_unread_digest_mails_the_latest_unread_message(
    api: httpx.AsyncClient, fake_graph: FakeGraph, outlook_credential: str, worker: Any
) -> None:
    fake_graph.deliver(sender="bo@fabrikam.example", subject="Old news", text="seen", read=True)
    fake_graph.deliver(sender="cy@fabrikam.example", subject="Budget", text="Numbers attached")
    graph = (
        await api.post(
            "/api/graphs", json=example("outlook_unread_digest", {"outlook": outlook_credential})
        )
    ).json()

    for mode in ("sync", "queue"):
        await run(api, graph["id"], mode, {"to": "ada@contoso.example"})

    digests = fake_graph.in_folder("sentitems")
    assert [d["subject"] for d in digests] == ["1 unread messages"] * 2
    assert digests[0]["body"]["content"] == (
        "Latest from cy <cy@fabrikam.example>: Budget\n\nNumbers attached"
    )
