"""The service examples (graphs/services/) through the real processes of ``kyra up`` (uvicorn, a
Dramatiq worker, the scheduler) in sync and queue mode, against their local fakes reached through
each credential's base-URL override: every node type of Airtable, Google Sheets, S3, Google Drive
(Drive.trigger by hand and by a real poll), Dropbox, PostgreSQL (the embedded server the tests
start, as a user's own database) and RSS, as a user runs the examples; Crypto.hmac with its
credential; MySQL up to the connection (no MySQL server installs from PyPI)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kyra.infra.embedded import free_port
from tests.fakes.airtable import TOKEN, FakeAirtable
from tests.fakes.drive import FakeDrive
from tests.fakes.dropbox import FakeDropbox
from tests.fakes.feed import FakeFeed
from tests.fakes.oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth
from tests.fakes.s3 import ACCESS_KEY, REGION, SECRET_KEY, FakeS3
from tests.fakes.sheets import FakeSheets
from tests.integration.databases.test_mysql import MYSQL_SERVER, NO_SERVER
from tests.integration.databases.test_postgres import PASSWORD, ROLE, user_database
from tests.integration.databases.test_postgres_example import TOTALS_AFTER_TWO_RUNS
from tests.integration.services.test_service_examples import RSS_DIGEST, example
from tests.system.stack import KyraStack, Mode, wait_until

__all__ = ["user_database"]  # the fixture, imported for pytest

BASE, TABLE, BOOK, BUCKET = "appEXAMPLE0000001", "Contacts", "book-1", "examples"
MODES: tuple[Mode, ...] = ("sync", "queue")


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Any]]:
    google, dropbox = FakeOAuth("google"), FakeOAuth("dropbox")
    google.start()
    dropbox.start()
    started = {"google": google, "dropbox_oauth": dropbox, "airtable": FakeAirtable().start(),
               "s3": FakeS3().start(), "sheets": FakeSheets(google).start(),
               "drive": FakeDrive(google).start(), "dropbox": FakeDropbox(dropbox).start(),
               "feed": FakeFeed().start()}  # fmt: skip
    yield started
    for fake in started.values():
        fake.stop()


def credential(client: httpx.Client, kind: str, data: dict[str, str]) -> str:
    body = {"name": f"{kind}-{uuid.uuid4().hex[:6]}", "kind": kind, "data": data}
    created = client.post("/api/credentials", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@contextlib.contextmanager
def oauth_client(client: httpx.Client, oauth: FakeOAuth) -> Iterator[None]:
    """The fake authorization server as the operator's client of its provider, for a while (the
    stack is shared: other tests expect the providers they did not configure to be absent)."""
    provider = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "authorize_url": oauth.authorize_url, "token_url": oauth.token_url}  # fmt: skip
    stored = client.put(f"/api/oauth/providers/{oauth.dialect}", json=provider)
    assert stored.status_code == 200, stored.text
    try:
        yield
    finally:
        client.delete(f"/api/oauth/providers/{oauth.dialect}")


def connected(client: httpx.Client, oauth: FakeOAuth, kind: str, base_url: str,
              **fields: str) -> str:  # fmt: skip
    """A credential of an OAuth2 kind, connected (tokens as the fake server issues them)."""
    tokens = oauth.issue()
    return credential(client, kind, {
        "access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
        "expires_at": str(int(time.time()) + 3600), "base_url": base_url, **fields})  # fmt: skip


def run_example(
    stack: KyraStack, name: str, credentials: dict[str, str], inputs: dict[str, Any]
) -> list[dict[str, Any]]:
    """The example saved with a credential of each kind (kind → id), run once per mode; the
    run outputs."""
    graph = stack.create_graph(example(name, credentials))
    outputs = []
    for mode in MODES:
        run = stack.run(graph, mode, inputs, timeout=120)
        assert run["status"] == "succeeded", [n["error"] for n in run["node_runs"]]
        outputs.append(run["output"])
    return outputs


def file_text(stack: KyraStack, reference: dict[str, Any]) -> str:
    return stack.client.get(f"/api/files/{reference['$file']}/content").text


def test_the_airtable_example(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    fakes["airtable"].table(BASE, TABLE)
    token = credential(kyra_stack.client, "airtable",
                       {"access_token": TOKEN, "base_url": fakes["airtable"].url})  # fmt: skip

    outputs = run_example(kyra_stack, "airtable", {"airtable": token},
                          {"base_id": BASE, "table": TABLE})  # fmt: skip

    assert [o["delete"]["count"] for o in outputs] == [2, 2]
    assert sorted(r["fields"]["Name"] for r in fakes["airtable"].table(BASE, TABLE)) == ["Bo", "Bo"]


def test_the_sheets_example(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    fakes["sheets"].spreadsheets[BOOK] = {"Sheet1": [["name", "team", "score"], ["Ada", "red", 3]]}
    sheets = connected(kyra_stack.client, fakes["google"], "google_sheets", fakes["sheets"].url)

    with oauth_client(kyra_stack.client, fakes["google"]):
        outputs = run_example(kyra_stack, "sheets", {"google_sheets": sheets},
                              {"spreadsheet_id": BOOK})  # fmt: skip

    assert outputs[0]["red"] == [
        {"name": "Ada", "team": "red", "score": "4", "_row": 2},
        {"name": "Cy", "team": "red", "score": "7", "_row": 3},
    ]
    assert len(fakes["sheets"].spreadsheets[BOOK]["Sheet1"]) == 6  # header, Ada, two rows a run


def test_the_s3_example(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    fakes["s3"].buckets[BUCKET] = {}
    keys = credential(kyra_stack.client, "s3", {
        "access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY, "region": REGION,
        "base_url": fakes["s3"].url})  # fmt: skip

    outputs = run_example(kyra_stack, "s3", {"s3": keys}, {"bucket": BUCKET})

    for output in outputs:
        assert (output["get"]["name"], output["get"]["size"]) == ("hello.txt", 15)
        assert file_text(kyra_stack, output["get"]) == "Hello from Kyra"


def test_the_drive_example(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    drive: FakeDrive = fakes["drive"]
    drive.reset()
    token = connected(kyra_stack.client, fakes["google"], "google_drive", drive.url)

    with oauth_client(kyra_stack.client, fakes["google"]):
        outputs = run_example(kyra_stack, "drive", {"google_drive": token}, {"folder": "Out"})

    folders = [f["id"] for f in drive.files.values() if f["name"] == "Out"]
    uploaded = [f["parents"] for f in drive.files.values() if f["name"] == "hello.txt"]
    assert len(folders) == 2 and uploaded == [[folders[0]], [folders[1]]]  # one per run
    for output in outputs:
        assert (output["download"]["name"], output["download"]["size"]) == ("hello.txt", 15)
        assert file_text(kyra_stack, output["download"]) == "Hello from Kyra"


def dropbox_token(stack: KyraStack, fakes: dict[str, Any]) -> str:
    dropbox: FakeDropbox = fakes["dropbox"]
    return connected(stack.client, fakes["dropbox_oauth"], "dropbox", dropbox.url,
                     content_url=dropbox.content.url)  # fmt: skip


def test_the_dropbox_example(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    dropbox: FakeDropbox = fakes["dropbox"]
    dropbox.reset()
    token = dropbox_token(kyra_stack, fakes)

    with oauth_client(kyra_stack.client, fakes["dropbox_oauth"]):
        outputs = run_example(kyra_stack, "dropbox", {"dropbox": token}, {"folder": "/Out"})

    for output in outputs:
        assert output["download"]["name"] == "hello.txt"
        assert file_text(kyra_stack, output["download"]) == "Hello from Kyra"
    assert dropbox.file("/out/hello.txt") == b"Hello from Kyra"
    assert [e["path_display"] for e in dropbox.entries.values()] == ["/Out", "/Out/hello.txt"]


def test_drive_files_are_backed_up_to_dropbox_by_hand_and_by_the_scheduler_polling(
    kyra_stack: KyraStack, fakes: dict[str, Any]
) -> None:
    drive: FakeDrive = fakes["drive"]
    dropbox: FakeDropbox = fakes["dropbox"]
    drive.reset()
    dropbox.reset()
    credentials = {
        "google_drive": connected(kyra_stack.client, fakes["google"], "google_drive", drive.url),
        "dropbox": dropbox_token(kyra_stack, fakes),
    }
    document = example("drive_to_dropbox", credentials)
    document["nodes"][0]["params"]["poll_seconds"] = 10  # the shortest a user may set
    budget = drive.add("budget.csv", b"a,b\n1,2\n", mime="text/csv")

    with oauth_client(kyra_stack.client, fakes["google"]), \
            oauth_client(kyra_stack.client, fakes["dropbox_oauth"]):  # fmt: skip
        graph = kyra_stack.create_graph(document)
        for mode in MODES:
            run = kyra_stack.run(graph, mode, {"id": budget["id"]}, timeout=120)
            assert run["status"] == "succeeded", [n["error"] for n in run["node_runs"]]
        # The scheduler's first poll only takes Drive's page token: files from then on count.
        wait_until(lambda: any(p["started"] for p in polls(kyra_stack, graph.id)), 60,
                   "the first Drive poll")  # fmt: skip
        drive.add("Plan", mime="application/vnd.google-apps.document")
        polled = wait_until(lambda: polled_runs(kyra_stack, graph.id), 90, "a run from a poll")
        finished = kyra_stack.wait_for_run(polled[0]["id"], timeout=120)

    assert finished["status"] == "succeeded", [n["error"] for n in finished["node_runs"]]
    assert polls(kyra_stack, graph.id)[0]["last_error"] is None
    assert dropbox.file("/drive backup/budget.csv") == b"a,b\n1,2\n"
    assert dropbox.file("/drive backup/plan.pdf") == b"Plan exported as application/pdf"


def polls(stack: KyraStack, graph_id: str) -> list[dict[str, Any]]:
    return list(stack.client.get(f"/api/graphs/{graph_id}").json()["polls"])


def polled_runs(stack: KyraStack, graph_id: str) -> list[dict[str, Any]]:
    found = stack.client.get(f"/api/graphs/{graph_id}/runs").json()
    return [run for run in found if run["trigger_kind"] == "poll"]


def test_the_postgres_example_on_the_embedded_server(
    kyra_stack: KyraStack, user_database: dict[str, Any]
) -> None:
    login = credential(kyra_stack.client, "postgres", {
        **user_database, "user": ROLE, "password": PASSWORD, "ssl": "disable"})  # fmt: skip

    outputs = run_example(kyra_stack, "postgres", {"postgres": login}, {"min_amount": "1"})

    assert [o["totals"]["rows"] for o in outputs] == TOTALS_AFTER_TWO_RUNS


def test_the_rss_example_reads_an_atom_feed(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    site: FakeFeed = fakes["feed"]

    outputs = run_example(kyra_stack, "rss", {}, {"feed_url": f"{site.url}/atom.xml"})

    links = [f"{site.url}/news-4", f"{site.url}/news-1"]
    assert [o["digest"] for o in outputs] == [{**RSS_DIGEST, "links": links}] * 2


def one_node_graph(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": f"{node['type'].lower().replace('.', '-')}-under-kyra-up",
        "nodes": [{"id": "start", "type": "Manual.trigger"}, {"id": "call", **node}],
        "edges": [{"source": "start", "target": "call"}],
    }


def run_in_both_modes(stack: KyraStack, node: dict[str, Any]) -> list[dict[str, Any]]:
    """Manual.trigger → ``node``, once per mode; the node's run each time."""
    graph = stack.create_graph(one_node_graph(node))
    found = []
    for mode in MODES:
        run = stack.run(graph, mode, timeout=120)
        found.append(next(n for n in run["node_runs"] if n["node_id"] == "call"))
    return found


def test_crypto_hmac_signs_with_its_credential(kyra_stack: KyraStack) -> None:
    secret = credential(kyra_stack.client, "hmac_secret", {"secret": "whsec-k3y"})
    node = {"type": "Crypto.hmac", "params": {"value": "payload", "encoding": "base64"},
            "credentials": {"hmac_secret": secret}}  # fmt: skip

    signed = run_in_both_modes(kyra_stack, node)

    expected = base64.b64encode(hmac.new(b"whsec-k3y", b"payload", hashlib.sha256).digest())
    assert [n["output"]["out"] for n in signed] == [expected.decode()] * 2
    assert "whsec-k3y" not in str(signed)


@pytest.mark.parametrize("type_", ["MySQL.query", "MySQL.execute"])
def test_mysql_nodes_reach_the_connection(kyra_stack: KyraStack, type_: str) -> None:
    """Without a MySQL server (see NO_SERVER) the nodes run up to the connection: a closed
    loopback port is a clear, retryable failure that names no secret."""
    login = credential(kyra_stack.client, "mysql", {
        "host": "127.0.0.1", "port": str(free_port()), "database": "shop", "user": "kyra",
        "password": "pw-kept-secret", "ssl": "disable"})  # fmt: skip
    node = {"type": type_, "params": {"sql": "SELECT %s", "parameters": [1]},
            "credentials": {"mysql": login},
            "settings": {"retries": 1, "retry_backoff_s": 0.01}}  # fmt: skip

    attempts = run_in_both_modes(kyra_stack, node)

    for attempt in attempts:
        assert (attempt["status"], attempt["attempt"]) == ("failed", 2)
        assert attempt["error"]["message"].startswith("MySQL connect failed: 2003 Can't connect")
    assert "pw-kept-secret" not in str(attempts)


@pytest.mark.skipif(not MYSQL_SERVER, reason=NO_SERVER)
def test_mysql_nodes_on_a_real_server(kyra_stack: KyraStack) -> None:
    host, port, user, password, database = MYSQL_SERVER.split(":")
    login = credential(kyra_stack.client, "mysql", {"host": host, "port": port, "user": user,
                       "password": password, "database": database, "ssl": "disable"})  # fmt: skip
    table = f"kyra_{uuid.uuid4().hex[:8]}"
    steps = [("MySQL.execute", f"CREATE TABLE IF NOT EXISTS {table} (name VARCHAR(200))", []),
             ("MySQL.execute", f"INSERT INTO {table} (name) VALUES (%s)", ["x'); DROP --"]),
             ("MySQL.query", f"SELECT name FROM {table}", [])]  # fmt: skip
    for type_, sql, parameters in steps:
        node = {"type": type_, "params": {"sql": sql, "parameters": parameters},
                "credentials": {"mysql": login}}  # fmt: skip
        for ran in run_in_both_modes(kyra_stack, node):
            assert ran["status"] == "succeeded", ran["error"]
    assert ran["output"]["out"]["rows"][0] == {"name": "x'); DROP --"}
