"""The Google Sheets nodes against a fake Sheets API: A1 ranges in the path, the exact
requests and bodies, header rows as objects, and Google's errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.gmail import google_error
from tests.fakes.oauth import FakeOAuth
from tests.fakes.sheets import FakeSheets
from tests.integration.services.conftest import oauth_credential, one_node_graph, run_node

BOOK = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"


@pytest.fixture(scope="module")
def _sheets_server(_google_server: FakeOAuth) -> Iterator[FakeSheets]:
    fake = FakeSheets(_google_server).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_sheets(_sheets_server: FakeSheets, google_oauth: FakeOAuth) -> FakeSheets:
    _sheets_server.reset()
    _sheets_server.spreadsheets[BOOK] = {
        "Sheet1": [["name", "team", "score"], ["Ada", "red", 3], ["Bo", "blue", 5]],
        "My data": [],
    }
    return _sheets_server


@pytest.fixture
async def credential(
    api: httpx.AsyncClient, google_oauth: FakeOAuth, fake_sheets: FakeSheets
) -> str:
    return await oauth_credential(api, google_oauth, "google_sheets", fake_sheets.url)


def node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    params = {"spreadsheet_id": BOOK, **params}
    return {
        "type": f"Sheets.{type_}",
        "params": params,
        "credentials": {"google_sheets": credential},
    }


async def test_read_range_gives_objects_under_the_header_row(
    api: httpx.AsyncClient, fake_sheets: FakeSheets, credential: str
) -> None:
    objects = await run_node(api, node("read_range", credential, range="Sheet1!A1:C10"))
    raw = await run_node(api, node("read_range", credential, range="Sheet1!B2:C3",
                                   header_row=False, value_render="UNFORMATTED_VALUE"))  # fmt: skip

    first, second = fake_sheets.requests
    assert (first.method, first.path) == ("GET", f"/v4/spreadsheets/{BOOK}/values/Sheet1!A1:C10")
    assert first.query == {"majorDimension": "ROWS", "valueRenderOption": "FORMATTED_VALUE"}
    assert first.headers["authorization"].startswith("Bearer ")
    assert objects["output"]["out"] == [
        {"name": "Ada", "team": "red", "score": "3"}, {"name": "Bo", "team": "blue", "score": "5"},
    ]  # fmt: skip
    assert second.query["valueRenderOption"] == "UNFORMATTED_VALUE"
    assert raw["output"]["out"] == [["red", 3], ["blue", 5]]


async def test_a_range_that_is_not_a1_is_refused_before_any_request(
    api: httpx.AsyncClient, fake_sheets: FakeSheets, credential: str
) -> None:
    document = one_node_graph(node("read_range", credential, range="Sheet1!A1:B2:C3"))
    refused = await api.post("/api/graphs", json=document)
    unknown = await run_node(api, node("read_range", credential, range="Nope!A1:B2"))

    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["field"], error["code"]) == ("params.range", "invalid_parameter")
    assert "not an A1 range" in error["message"]
    assert unknown["error"]["message"] == (
        "Google Sheets values.get failed: 400 Unable to parse range: Nope!A1:B2"
    )
    assert [r.path for r in fake_sheets.requests] == [f"/v4/spreadsheets/{BOOK}/values/Nope!A1:B2"]


async def test_append_rows_matches_objects_to_the_header_and_posts_once(
    api: httpx.AsyncClient, fake_sheets: FakeSheets, credential: str
) -> None:
    rows = [{"score": 7, "name": "Cy"}, ["Di", "red", "9"]]

    result = await run_node(api, node("append_rows", credential, range="Sheet1!A:C", rows=rows))

    assert result["status"] == "succeeded", result["error"]
    header, append = fake_sheets.requests
    assert (header.method, header.path) == (
        "GET",
        "/v4/spreadsheets/" + BOOK + "/values/Sheet1!1:1",
    )
    assert (append.method, append.path) == (
        "POST",
        f"/v4/spreadsheets/{BOOK}/values/Sheet1!A:C:append",
    )
    assert append.query == {"valueInputOption": "USER_ENTERED", "insertDataOption": "INSERT_ROWS"}
    assert append.body == {"majorDimension": "ROWS",
                           "values": [["Cy", "", 7], ["Di", "red", "9"]]}  # fmt: skip
    assert result["output"]["out"] == {"updated_range": "Sheet1!A4:C5", "updated_rows": 2,
                                       "updated_cells": 6}  # fmt: skip
    assert fake_sheets.spreadsheets[BOOK]["Sheet1"][3:] == [["Cy", "", 7], ["Di", "red", 9]]


async def test_update_range_writes_into_a_quoted_sheet_and_refuses_overflow(
    api: httpx.AsyncClient, fake_sheets: FakeSheets, credential: str
) -> None:
    grid = [["a", "b"], ["1", "=A2*2"]]

    result = await run_node(api, node("update_range", credential, range="'My data'!A1:B2",
                                      values=grid, value_input="RAW"))  # fmt: skip
    overflow = await run_node(api, node("update_range", credential, range="'My data'!A1:B1",
                                        values=grid))  # fmt: skip

    put = fake_sheets.requests[0]
    assert (put.method, put.path) == ("PUT", f"/v4/spreadsheets/{BOOK}/values/'My data'!A1:B2")
    assert put.query == {"valueInputOption": "RAW"}
    assert put.body == {"range": "'My data'!A1:B2", "majorDimension": "ROWS", "values": grid}
    assert result["output"]["out"] == {"updated_range": "'My data'!A1:B2", "updated_rows": 2,
                                       "updated_cells": 4}  # fmt: skip
    assert fake_sheets.spreadsheets[BOOK]["My data"] == grid
    assert overflow["status"] == "failed"
    assert overflow["error"]["details"]["status"] == 400


async def test_lookup_rows_finds_matches_with_their_row_numbers(
    api: httpx.AsyncClient, fake_sheets: FakeSheets, credential: str
) -> None:
    fake_sheets.spreadsheets[BOOK]["Sheet1"].append(["Eve", "Blue", 1])

    found = await run_node(api, node("lookup_rows", credential, range="Sheet1",
                                     column="team", value="blue"))  # fmt: skip
    bad = await run_node(api, node("lookup_rows", credential, range="Sheet1", column="nope",
                                   value="x"))  # fmt: skip

    assert fake_sheets.requests[0].path == f"/v4/spreadsheets/{BOOK}/values/Sheet1"
    assert found["output"]["out"] == [
        {"name": "Bo", "team": "blue", "score": "5", "_row": 3},
        {"name": "Eve", "team": "Blue", "score": "1", "_row": 4},
    ]
    assert bad["error"]["message"] == "column: no column 'nope' in the header row"


async def test_rate_limits_are_retried(
    api: httpx.AsyncClient, fake_sheets: FakeSheets, credential: str
) -> None:
    fake_sheets.failures.append(
        google_error(429, "Quota exceeded for quota metric 'Read requests'")
    )

    result = await run_node(api, node("read_range", credential, range="Sheet1!A1:A1"))

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 2
    assert result["output"]["out"] == []
