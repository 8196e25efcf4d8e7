"""The Airtable nodes against a fake Airtable Web API: the exact requests (batches of at most
10 records, offset pages, repeated query keys), outputs, errors and a retry that does not
write a batch twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.airtable import TOKEN, FakeAirtable, airtable_error
from tests.integration.services.conftest import run_node

BASE, TABLE = "appFAKE0000000001", "Contacts"
PATH = f"/v0/{BASE}/{TABLE}"


@pytest.fixture(scope="module")
def _airtable_server() -> Iterator[FakeAirtable]:
    fake = FakeAirtable().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_airtable(_airtable_server: FakeAirtable) -> FakeAirtable:
    _airtable_server.reset()
    _airtable_server.table(BASE, TABLE)
    return _airtable_server


async def airtable_credential(api: httpx.AsyncClient, url: str, token: str = TOKEN) -> str:
    created = await api.post("/api/credentials", json={
        "name": f"airtable-{uuid.uuid4().hex[:8]}", "kind": "airtable",
        "data": {"access_token": token, "base_url": url}})  # fmt: skip
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.fixture
async def credential(api: httpx.AsyncClient, fake_airtable: FakeAirtable) -> str:
    return await airtable_credential(api, fake_airtable.url)


def node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    params = {"base_id": BASE, "table": TABLE, **params}
    return {"type": f"Airtable.{type_}", "params": params, "credentials": {"airtable": credential}}


async def test_create_sends_batches_of_ten_with_the_token(
    api: httpx.AsyncClient, fake_airtable: FakeAirtable, credential: str
) -> None:
    rows = [{"Name": f"P{n}", "Score": n} for n in range(23)]

    result = await run_node(api, node("create_records", credential, records=rows, typecast=True))

    assert result["status"] == "succeeded", result["error"]
    assert [(r.method, r.path) for r in fake_airtable.requests] == [("POST", PATH)] * 3
    assert [r.body for r in fake_airtable.requests] == [
        {"records": [{"fields": f} for f in rows[i : i + 10]], "typecast": True}
        for i in (0, 10, 20)
    ]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in fake_airtable.requests)
    out = result["output"]["out"]
    assert out["count"] == 23
    assert [r["fields"] for r in out["records"]] == rows
    assert [r["id"] for r in out["records"]] == [r["id"] for r in fake_airtable.table(BASE, TABLE)]


async def test_a_failed_batch_is_retried_without_writing_the_earlier_ones_again(
    api: httpx.AsyncClient, fake_airtable: FakeAirtable, credential: str
) -> None:
    rows = [{"Name": f"P{n}"} for n in range(15)]
    original = fake_airtable.respond

    def second_fails_once(recorded: Any, reply: Any) -> Any:
        if len(fake_airtable.requests) == 2:
            return airtable_error(503, "SERVICE_UNAVAILABLE", "Try again")
        return original(recorded, reply)

    fake_airtable.respond = second_fails_once  # type: ignore[method-assign]
    try:
        result = await run_node(api, node("create_records", credential, records=rows))
    finally:
        fake_airtable.respond = original  # type: ignore[method-assign]

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 2
    assert len(fake_airtable.table(BASE, TABLE)) == 15
    assert result["output"]["out"]["count"] == 15


async def test_list_follows_offsets_up_to_the_limit_with_the_query_airtable_reads(
    api: httpx.AsyncClient, fake_airtable: FakeAirtable, credential: str
) -> None:
    fake_airtable.add(BASE, TABLE, *({"Name": f"P{n:03}", "Team": "red" if n % 2 else "blue",
                                      "Secret": "x"} for n in range(250)))  # fmt: skip
    listing = node("list_records", credential, formula="{Team} = 'red'", fields=["Name"],
                   sort=[{"field": "Name", "direction": "desc"}], limit=120)  # fmt: skip

    result = await run_node(api, listing)

    assert result["status"] == "succeeded", result["error"]
    first, second = fake_airtable.requests
    expected = {"pageSize": ["100"], "filterByFormula": ["{Team} = 'red'"], "fields[]": ["Name"],
                "sort[0][field]": ["Name"], "sort[0][direction]": ["desc"]}  # fmt: skip
    assert first.query_all == expected
    assert second.query_all == expected | {"offset": [second.query["offset"]]}
    assert second.query["offset"].startswith("itr100/rec")
    out = result["output"]["out"]
    assert out["count"] == 120
    assert [r["fields"] for r in out["records"][:2]] == [{"Name": "P249"}, {"Name": "P247"}]


async def test_update_patches_or_replaces_and_names_airtables_error(
    api: httpx.AsyncClient, fake_airtable: FakeAirtable, credential: str
) -> None:
    [ada] = fake_airtable.add(BASE, TABLE, {"Name": "Ada", "Team": "red"})

    blue = [{"id": ada["id"], "fields": {"Team": "blue"}}]
    patched = await run_node(api, node("update_records", credential, records=blue))
    renamed = [{"id": ada["id"], "fields": {"Name": "A"}}]
    replaced = await run_node(api, node("update_records", credential, replace=True,
                                        records=renamed))  # fmt: skip
    missing = await run_node(api, node("update_records", credential,
                                       records=[{"id": "recNOPE", "fields": {}}]))  # fmt: skip

    assert [(r.method, r.body) for r in fake_airtable.requests] == [
        ("PATCH", {"records": [{"id": ada["id"], "fields": {"Team": "blue"}}], "typecast": False}),
        ("PUT", {"records": [{"id": ada["id"], "fields": {"Name": "A"}}], "typecast": False}),
        ("PATCH", {"records": [{"id": "recNOPE", "fields": {}}], "typecast": False}),
    ]  # fmt: skip
    assert patched["output"]["out"]["records"][0]["fields"] == {"Name": "Ada", "Team": "blue"}
    assert replaced["output"]["out"]["records"][0]["fields"] == {"Name": "A"}
    assert missing["status"] == "failed"
    assert missing["error"]["message"] == (
        "Airtable records.update failed: 422 Record ID recNOPE does not exist"
    )
    assert missing["attempt"] == 1


async def test_delete_sends_repeated_record_ids_ten_at_a_time(
    api: httpx.AsyncClient, fake_airtable: FakeAirtable, credential: str
) -> None:
    records = fake_airtable.add(BASE, TABLE, *({"Name": str(n)} for n in range(12)))
    ids = [r["id"] for r in records]

    result = await run_node(api, node("delete_records", credential, record_ids=ids))

    assert [(r.method, r.query_all) for r in fake_airtable.requests] == [
        ("DELETE", {"records[]": ids[:10]}), ("DELETE", {"records[]": ids[10:]}),
    ]  # fmt: skip
    assert result["output"]["out"] == {"deleted": ids, "count": 12}
    assert fake_airtable.table(BASE, TABLE) == []


async def test_a_refused_token_is_a_credential_error(
    api: httpx.AsyncClient, fake_airtable: FakeAirtable
) -> None:
    wrong = await airtable_credential(api, fake_airtable.url, token="patWRONG")

    result = await run_node(api, node("list_records", wrong))

    assert result["error"]["type"] == "CredentialError"
    assert result["error"]["message"] == (
        "Airtable refused the credential (401: Authentication required); check or reconnect it "
        "on the Credentials page"
    )
