"""A local fake of the Airtable Web API (https://airtable.com/developers/web/api), records of
the tables of some bases:

- ``GET /v0/{baseId}/{tableIdOrName}`` ``?pageSize(≤100)&offset&view&filterByFormula&fields[]
  &sort[i][field]&sort[i][direction]`` → ``{records: [{id, createdTime, fields}], offset?}``
  (the offset is opaque; the fake's formulas: ``{Field} = 'text'`` or ``= number``)
- ``POST`` ``{records: [{fields}], typecast?}`` → ``{records}``
- ``PATCH`` / ``PUT`` ``{records: [{id, fields}], typecast?}`` → ``{records}`` (PUT clears
  the fields not given)
- ``DELETE`` ``?records[]=rec…`` → ``{records: [{id, deleted: true}]}``

Writes take at most 10 records per request (more: 422 ``INVALID_RECORDS``). Errors are
``{"error": {"type", "message"}}`` (404 is ``{"error": "NOT_FOUND"}``); a token other than
:data:`TOKEN` is 401 ``AUTHENTICATION_REQUIRED``.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply, Response

TOKEN = "patFAKE.0123456789abcdef"
#: Most records a write request may carry.
BATCH_LIMIT = 10


def airtable_error(status: int, kind: str, message: str) -> Response:
    return Response(status, {"error": {"type": kind, "message": message}})


class FakeAirtable(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        #: base id → table name → records (in creation order).
        self.bases: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.failures: deque[Response] = deque()
        self._guard = threading.RLock()

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.bases.clear()
            self.failures.clear()

    def table(self, base: str, name: str) -> list[dict[str, Any]]:
        return self.bases.setdefault(base, {}).setdefault(name, [])

    def add(self, base: str, name: str, *rows: dict[str, Any]) -> list[dict[str, Any]]:
        with self._guard:
            return [self._new(self.table(base, name), fields) for fields in rows]

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        if recorded.headers.get("authorization") != f"Bearer {TOKEN}":
            return airtable_error(401, "AUTHENTICATION_REQUIRED", "Authentication required")
        with self._guard:
            if self.failures:
                return self.failures.popleft()
            found = re.fullmatch(r"/v0/([^/]+)/([^/]+)", recorded.path)
            if not found or found.group(1) not in self.bases:
                return Response(404, {"error": "NOT_FOUND"})
            tables = self.bases[found.group(1)]
            if found.group(2) not in tables:
                return airtable_error(404, "TABLE_NOT_FOUND", "Could not find table")
            rows = tables[found.group(2)]
            if recorded.method == "GET":
                return self._list(rows, recorded)
            if recorded.method == "DELETE":
                return self._delete(rows, recorded.query_all.get("records[]", []))
            records = (recorded.body or {}).get("records")
            if not isinstance(records, list) or not records:
                return airtable_error(422, "INVALID_REQUEST_MISSING_FIELDS", "Missing records")
            if len(records) > BATCH_LIMIT:
                return airtable_error(422, "INVALID_RECORDS",
                                      f"You may only create or update {BATCH_LIMIT} records "
                                      "per request")  # fmt: skip
            if recorded.method == "POST":
                return Response(200, {"records": [self._new(rows, r["fields"]) for r in records]})
            return self._update(rows, records, replace=recorded.method == "PUT")

    def _new(self, rows: list[dict[str, Any]], fields: dict[str, Any]) -> dict[str, Any]:
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        record = {"id": f"rec{secrets.token_hex(7)}", "createdTime": created, "fields": fields}
        rows.append(record)
        return record

    def _list(self, rows: list[dict[str, Any]], r: Recorded) -> Response:
        size = int(r.query.get("pageSize") or 100)
        if not 1 <= size <= 100:
            return airtable_error(422, "INVALID_PAGE_SIZE", "pageSize must be 1 to 100")
        found = [row for row in rows if _matches(row["fields"], r.query.get("filterByFormula", ""))]
        for i in reversed(range(len([k for k in r.query if k.endswith("][field]")]))):
            field = r.query[f"sort[{i}][field]"]
            found.sort(key=lambda row, f=field: str(row["fields"].get(f, "")),
                       reverse=r.query.get(f"sort[{i}][direction]") == "desc")  # fmt: skip
        start = int(r.query.get("offset", "itr0").removeprefix("itr").split("/")[0])
        page = found[start : start + size]
        wanted = r.query_all.get("fields[]")
        if wanted:
            page = [row | {"fields": {k: v for k, v in row["fields"].items() if k in wanted}}
                    for row in page]  # fmt: skip
        answer: dict[str, Any] = {"records": page}
        if start + size < len(found):
            answer["offset"] = f"itr{start + size}/{page[-1]['id']}"
        return Response(200, answer)

    def _update(self, rows: list[dict[str, Any]], records: list[Any], *, replace: bool) -> Response:
        by_id = {row["id"]: row for row in rows}
        missing = [r.get("id") for r in records if r.get("id") not in by_id]
        if missing:
            return airtable_error(
                422, "ROW_DOES_NOT_EXIST", f"Record ID {missing[0]} does not exist"
            )
        for r in records:
            row = by_id[r["id"]]
            row["fields"] = dict(r["fields"]) if replace else {**row["fields"], **r["fields"]}
        return Response(200, {"records": [by_id[r["id"]] for r in records]})

    def _delete(self, rows: list[dict[str, Any]], ids: list[str]) -> Response:
        if len(ids) > BATCH_LIMIT:
            message = f"You may only delete {BATCH_LIMIT} records per request"
            return airtable_error(422, "INVALID_RECORDS", message)
        present = {row["id"] for row in rows}
        if missing := [i for i in ids if i not in present]:
            return airtable_error(404, "NOT_FOUND", f"Record {missing[0]} not found")
        rows[:] = [row for row in rows if row["id"] not in ids]
        return Response(200, {"records": [{"id": i, "deleted": True} for i in ids]})


def _matches(fields: dict[str, Any], formula: str) -> bool:
    if not formula:
        return True
    found = re.fullmatch(r"\{([^}]+)\}\s*=\s*(?:'([^']*)'|(-?\d+(?:\.\d+)?))", formula.strip())
    if not found:
        return False
    value = fields.get(found.group(1))
    return value == found.group(2) if found.group(2) is not None else value == float(found.group(3))
