"""A local fake of the Google Sheets API v4 values collection
(https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values):

- ``GET /v4/spreadsheets/{id}/values/{range}`` ``?majorDimension&valueRenderOption`` →
  ``{range, majorDimension: "ROWS", values}`` (trailing empty rows and cells left out)
- ``POST …/values/{range}:append`` ``?valueInputOption&insertDataOption`` ``{values}`` →
  ``{spreadsheetId, tableRange, updates: {updatedRange, updatedRows, updatedColumns,
  updatedCells}}`` (rows go after the last row of the table the range touches)
- ``PUT …/values/{range}`` ``?valueInputOption`` ``{range, majorDimension, values}`` →
  ``{spreadsheetId, updatedRange, updatedRows, updatedColumns, updatedCells}``; writing outside a
  bounded range is 400

Ranges are A1 notation, URL-encoded in the path: ``Sheet1!A1:C3``, ``'My data'!A:C``, ``2:5``
or a sheet name; an unparsable one is 400 ``Unable to parse range``, an unknown sheet too.
``valueInputOption`` is required on writes; ``USER_ENTERED`` reads numeric text as numbers.
Google's error shape and the bearer-token check as in :mod:`tests.fakes.gmail`.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from typing import Any

from tests.fakes.gmail import google_error
from tests.fakes.oauth import FakeOAuth
from tests.fakes.server import FakeServer, Recorded, Reply, Response

_RANGE = re.compile(
    r"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!:]+)!)?"
    r"(?P<c1>[A-Z]{0,3})(?P<r1>\d*)(?::(?P<c2>[A-Z]{0,3})(?P<r2>\d*))?$"
)
MAX_ROWS, MAX_COLS = 1000, 26


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class FakeSheets(FakeServer):
    def __init__(self, oauth: FakeOAuth) -> None:
        super().__init__()
        self.oauth = oauth
        #: spreadsheet id → sheet name → rows of cell values.
        self.spreadsheets: dict[str, dict[str, list[list[Any]]]] = {}
        self.failures: deque[Response] = deque()
        self._guard = threading.RLock()

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.spreadsheets.clear()
            self.failures.clear()

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        token = recorded.headers.get("authorization", "").removeprefix("Bearer ")
        if not self.oauth.valid(token):
            return google_error(401, "Request had invalid authentication credentials.")
        with self._guard:
            if self.failures:
                return self.failures.popleft()
            found = re.fullmatch(
                r"/v4/spreadsheets/([^/]+)/values/([^/]+?)(:append)?", recorded.path
            )
            if not found:
                return google_error(404, "Not Found")
            book = self.spreadsheets.get(found.group(1))
            if book is None:
                return google_error(404, "Requested entity was not found.")
            cells = self._parse(book, found.group(2))
            if isinstance(cells, Response):
                return cells
            if recorded.method == "GET":
                formatted = recorded.query.get("valueRenderOption") != "UNFORMATTED_VALUE"
                return self._get(book, cells, formatted=formatted)
            option = recorded.query.get("valueInputOption")
            if option not in ("RAW", "USER_ENTERED"):
                return google_error(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
            values = [[_entered(v, option) for v in row]
                      for row in (recorded.body or {}).get("values") or []]  # fmt: skip
            if recorded.method == "POST" and found.group(3):
                return self._append(found.group(1), book, cells, values)
            if recorded.method == "PUT":
                return self._update(found.group(1), book, cells, values)
            return google_error(404, "Not Found")

    def _parse(self, book: dict[str, list[list[Any]]], a1: str) -> tuple[Any, ...] | Response:
        """(sheet, first row, first column, last row, last column), 1-based, inclusive."""
        if a1 in book:
            return a1, 1, 1, MAX_ROWS, MAX_COLS
        match = _RANGE.match(a1)
        if not match or not (match["c1"] or match["r1"]):
            return google_error(400, f"Unable to parse range: {a1}")
        sheet = (match["sheet"] or next(iter(book))).strip("'").replace("''", "'")
        if sheet not in book:
            return google_error(400, f"Unable to parse range: {a1}")
        c1 = column_number(match["c1"]) if match["c1"] else 1
        r1 = int(match["r1"]) if match["r1"] else 1
        if match["c2"] is None and match["r2"] is None:  # one cell (A1), column (A) or row (1)
            c2 = c1 if match["c1"] else MAX_COLS
            r2 = r1 if match["r1"] else MAX_ROWS
        else:
            c2 = column_number(match["c2"]) if match["c2"] else MAX_COLS
            r2 = int(match["r2"]) if match["r2"] else MAX_ROWS
        return sheet, r1, c1, r2, c2

    @staticmethod
    def _a1(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
        name = f"'{sheet}'" if " " in sheet else sheet
        return f"{name}!{column_letters(c1)}{r1}:{column_letters(c2)}{r2}"

    def _get(
        self, book: dict[str, list[list[Any]]], cells: tuple[Any, ...], *, formatted: bool
    ) -> Response:
        sheet, r1, c1, r2, c2 = cells
        rows = [_trimmed(row[c1 - 1 : c2]) for row in book[sheet][r1 - 1 : r2]]
        if formatted:  # what the cells show: text
            rows = [[_shown(v) for v in row] for row in rows]
        while rows and not rows[-1]:
            rows.pop()
        last_row = min(r2, r1 + max(len(rows), 1) - 1)
        last_col = min(c2, c1 + max((len(r) for r in rows), default=1) - 1)
        answer: dict[str, Any] = {"range": self._a1(sheet, r1, c1, last_row, last_col),
                                  "majorDimension": "ROWS"}  # fmt: skip
        if rows:
            answer["values"] = rows
        return Response(200, answer)

    def _write(self, grid: list[list[Any]], top: int, left: int, values: list[list[Any]]) -> None:
        for i, row in enumerate(values):
            while len(grid) < top + i:
                grid.append([])
            target = grid[top + i - 1]
            while len(target) < left - 1 + len(row):
                target.append("")
            target[left - 1 : left - 1 + len(row)] = row

    def _update(self, book_id: str, book: dict[str, Any], cells: tuple[Any, ...],
                values: list[list[Any]]) -> Response:  # fmt: skip
        sheet, r1, c1, r2, c2 = cells
        width = max((len(r) for r in values), default=0)
        if r1 + len(values) - 1 > r2 or c1 + width - 1 > c2:
            return google_error(400, f"Requested writing within range [{self._a1(*cells)}], but "
                                "tried writing outside it")  # fmt: skip
        self._write(book[sheet], r1, c1, values)
        return Response(200, {"spreadsheetId": book_id,
                              "updatedRange": self._a1(sheet, r1, c1, r1 + len(values) - 1,
                                                       c1 + width - 1),
                              "updatedRows": len(values), "updatedColumns": width,
                              "updatedCells": sum(len(r) for r in values)})  # fmt: skip

    def _append(self, book_id: str, book: dict[str, Any], cells: tuple[Any, ...],
                values: list[list[Any]]) -> Response:  # fmt: skip
        sheet, r1, c1, _r2, _c2 = cells
        grid = book[sheet]
        last = max((i + 1 for i, row in enumerate(grid) if _trimmed(row)), default=r1 - 1)
        top = max(last + 1, r1)
        width = max((len(r) for r in values), default=0)
        self._write(grid, top, c1, values)
        updates = {"spreadsheetId": book_id,
                   "updatedRange": self._a1(sheet, top, c1, top + len(values) - 1, c1 + width - 1),
                   "updatedRows": len(values), "updatedColumns": width,
                   "updatedCells": sum(len(r) for r in values)}  # fmt: skip
        table = self._a1(sheet, r1, c1, max(last, r1), c1 + width - 1)
        return Response(200, {"spreadsheetId": book_id, "tableRange": table, "updates": updates})


def _trimmed(row: list[Any]) -> list[Any]:
    row = list(row)
    while row and row[-1] in ("", None):
        row.pop()
    return row


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).upper()
    return "" if value is None else str(value)


def _entered(value: Any, option: str) -> Any:
    if (
        option == "USER_ENTERED"
        and isinstance(value, str)
        and re.fullmatch(r"-?\d+(\.\d+)?", value)
    ):
        return float(value) if "." in value else int(value)
    return value
