"""DateTime, Crypto, XML, HTML, CSV, Spreadsheet and Text nodes, table-driven, with real files."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from pydantic import ValidationError

from kyra.errors import CredentialError, NodeError
from kyra_nodes.crypto import hash as crypto_hash
from kyra_nodes.crypto import hmac as crypto_hmac
from kyra_nodes.csv import build as csv_build
from kyra_nodes.csv import parse as csv_parse
from kyra_nodes.datetime import format as dt_format
from kyra_nodes.datetime import shift as dt_shift
from kyra_nodes.html import extract
from kyra_nodes.spreadsheet import read as sheet_read
from kyra_nodes.spreadsheet import write as sheet_write
from kyra_nodes.text import split
from kyra_nodes.xml import build as xml_build
from kyra_nodes.xml import parse as xml_parse
from tests.nodes.conftest import NodeCtx

FORMAT_CASES = [
    ("iso in a zone", {"value": "2024-03-31T00:30:00Z", "to_timezone": "Europe/Madrid"},
     "2024-03-31T01:30:00+01:00"),
    ("after the DST change", {"value": "2024-03-31T02:30:00Z", "to_timezone": "Europe/Madrid"},
     "2024-03-31T04:30:00+02:00"),
    ("naive text in a zone, to epoch", {"value": "2024-01-01 09:00", "timezone": "Asia/Tokyo",
     "format": "epoch"}, 1704067200),
    ("epoch seconds to date", {"value": 1704067200, "format": "iso_date"}, "2024-01-01"),
    ("epoch ms text", {"value": "1704067200000", "from_format": "epoch_ms"},
     "2024-01-01T00:00:00+00:00"),
    ("custom in and out", {"value": "31/12/2023 23:59", "from_format": "%d/%m/%Y %H:%M",
     "format": "%Y.%m.%d %H-%M"}, "2023.12.31 23-59"),
    ("rfc2822", {"value": "2024-01-01T00:00:00Z", "format": "rfc2822"},
     "Mon, 01 Jan 2024 00:00:00 +0000"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"), [c[1:] for c in FORMAT_CASES], ids=[c[0] for c in FORMAT_CASES]
)
async def test_datetime_format(node_ctx: NodeCtx, params: dict[str, Any], expected: Any) -> None:
    assert (await node_ctx.run(dt_format.SPEC, **params))["out"] == expected


SHIFT_CASES = [
    ("month end clamps", "2024-01-31T10:00:00+00:00", 1, "months", "2024-02-29T10:00:00+00:00"),
    ("years back", "2024-02-29", -1, "years", "2023-02-28T00:00:00+00:00"),
    ("days keep wall time over DST", "2024-03-30T12:00:00", 1, "days",
     "2024-03-31T12:00:00+02:00"),
    ("hours are elapsed time over DST", "2024-03-31T01:30:00", 1, "hours",
     "2024-03-31T03:30:00+02:00"),
    ("weeks", "2024-01-01", 2, "weeks", "2024-01-15T00:00:00+01:00"),
    ("fractions of minutes", "2024-01-01T00:00:00Z", 1.5, "minutes", "2024-01-01T00:01:30+00:00"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "amount", "unit", "expected"),
    [c[1:] for c in SHIFT_CASES],
    ids=[c[0] for c in SHIFT_CASES],
)
async def test_datetime_shift(
    node_ctx: NodeCtx, value: str, amount: float, unit: str, expected: str
) -> None:
    zone = "UTC" if value.endswith(("Z", "+00:00")) or unit == "years" else "Europe/Madrid"
    params = {"value": value, "amount": amount, "unit": unit, "timezone": zone}
    assert (await node_ctx.run(dt_shift.SPEC, **params))["out"] == expected


async def test_datetime_on_item_fields_names_the_bad_item(node_ctx: NodeCtx) -> None:
    items = [{"at": "2024-01-01"}, {"at": None}, {"x": 1}]
    out = await node_ctx.run(
        dt_format.SPEC, {"in": items}, field="at", format="%d %b", output_field="d"
    )
    assert [i.get("d") for i in out["out"]] == ["01 Jan", None, None]
    with pytest.raises(NodeError, match=r"items\[1\]\.at: 'lunes' is not an ISO 8601 date"):
        await node_ctx.run(
            dt_shift.SPEC, {"in": [{"at": "2024-01-01"}, {"at": "lunes"}]}, field="at", amount=1
        )


def test_datetime_refuses_unknown_zones_and_fractional_months() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Base'"):
        dt_format.Params.model_validate({"value": "now", "timezone": "Mars/Base"})


async def test_datetime_fractional_months_fail(node_ctx: NodeCtx) -> None:
    with pytest.raises(NodeError, match="whole number"):
        await node_ctx.run(dt_shift.SPEC, value="2024-01-01", amount=1.5, unit="months")


async def test_hash_of_text_json_and_unicode(node_ctx: NodeCtx) -> None:
    assert (await node_ctx.run(crypto_hash.SPEC, value="ñandú"))["out"] == hashlib.sha256(
        "ñandú".encode()
    ).hexdigest()
    out = await node_ctx.run(
        crypto_hash.SPEC, value={"b": 1, "a": [1]}, algorithm="md5", encoding="base64"
    )
    expected = base64.b64encode(hashlib.md5(b'{"a":[1],"b":1}').digest()).decode()
    assert out["out"] == expected


async def test_hash_of_a_stored_file_is_streamed(node_ctx: NodeCtx) -> None:
    content = b"x" * 300_000
    ref = await node_ctx.files.save(content, name="x.bin")
    out = await node_ctx.run(crypto_hash.SPEC, {"in": ref}, algorithm="sha512")
    assert out["out"] == hashlib.sha512(content).hexdigest()


async def test_hash_adds_a_field_to_every_item(node_ctx: NodeCtx) -> None:
    out = await node_ctx.run(
        crypto_hash.SPEC, {"in": [{"e": "a@b"}, {}]}, field="e", algorithm="sha1"
    )
    assert out["out"] == [
        {"e": "a@b", "e_hash": hashlib.sha1(b"a@b").hexdigest()},
        {"e_hash": None},
    ]


@pytest.mark.parametrize(
    ("secret", "encoding", "key"),
    [("s3cr3t", "text", b"s3cr3t"), ("00ff", "hex", b"\x00\xff"), ("AP8=", "base64", b"\x00\xff")],
)
async def test_hmac_uses_the_credential(
    node_ctx: NodeCtx, secret: str, encoding: str, key: bytes
) -> None:
    node_ctx.credentials["hmac_secret"] = {"secret": secret}
    out = await node_ctx.run(crypto_hmac.SPEC, value="1700000000.{}", secret_encoding=encoding)
    assert out["out"] == hmac.new(key, b"1700000000.{}", hashlib.sha256).hexdigest()


async def test_hmac_without_a_secret_fails_clearly(node_ctx: NodeCtx) -> None:
    with pytest.raises(CredentialError, match="no 'secret' field"):
        await node_ctx.run(crypto_hmac.SPEC, value="x")


XML = """<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" lang="es">
  <title>Año nuevo</title>
  <entry id="1"><name>a &amp; b</name></entry>
  <entry id="2"><name>ç</name><tag>x</tag><tag>y</tag></entry>
</feed>"""


async def test_xml_parse_and_build_round_trip(node_ctx: NodeCtx) -> None:
    parsed = (await node_ctx.run(xml_parse.SPEC, {"in": XML}, always_list=["tag"]))["out"]
    assert parsed == {
        "feed": {
            "@lang": "es",
            "title": "Año nuevo",
            "entry": [{"@id": "1", "name": "a & b"}, {"@id": "2", "name": "ç", "tag": ["x", "y"]}],
        }
    }
    built = (await node_ctx.run(xml_build.SPEC, {"in": parsed}, pretty=False))["out"]
    assert built.endswith(
        '<feed lang="es"><title>Año nuevo</title><entry id="1"><name>a &amp; b</name></entry>'
        '<entry id="2"><name>ç</name><tag>x</tag><tag>y</tag></entry></feed>'
    )
    assert (await node_ctx.run(xml_parse.SPEC, text=built))["out"]["feed"]["entry"][1]["tag"] == [
        "x",
        "y",
    ]


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>',
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    ],
    ids=["entity expansion", "external entity"],
)
async def test_xml_parse_refuses_dtds_and_entities(node_ctx: NodeCtx, text: str) -> None:
    with pytest.raises(NodeError, match="XML refused"):
        await node_ctx.run(xml_parse.SPEC, text=text)


async def test_xml_errors_name_the_problem(node_ctx: NodeCtx) -> None:
    with pytest.raises(NodeError, match="invalid XML"):
        await node_ctx.run(xml_parse.SPEC, text="<a><b></a>")
    with pytest.raises(NodeError, match=r"r\.bad key: 'bad key' is not a valid XML name"):
        await node_ctx.run(xml_build.SPEC, value={"r": {"bad key": 1}})


PAGE = """<html><body><h1> Título  principal </h1>
<ul><li><a href="/a">Uno</a></li><li><a href="/b">Dos <b>bis</b></a></li></ul>
<p class="x">Hi <i>there</i></p></body></html>"""


async def test_html_extract_text_attributes_html_first_and_all(node_ctx: NodeCtx) -> None:
    extractions = [
        {"key": "title", "selector": "h1"},
        {
            "key": "links",
            "selector": "li a",
            "returns": "attribute",
            "attribute": "href",
            "all": True,
        },
        {"key": "labels", "selector": "li a", "all": True},
        {"key": "para", "selector": "p.x", "returns": "html"},
        {"key": "none", "selector": "table"},
    ]
    http_output = {"status": 200, "headers": {}, "body": PAGE}
    out = (await node_ctx.run(extract.SPEC, {"in": http_output}, extractions=extractions))["out"]
    assert out == {
        "title": "Título principal",
        "links": ["/a", "/b"],
        "labels": ["Uno", "Dos bis"],
        "para": "Hi <i>there</i>",
        "none": None,
    }


async def test_html_bad_selector_names_the_extraction(node_ctx: NodeCtx) -> None:
    with pytest.raises(NodeError, match=r"extractions\[0\]\.selector: invalid CSS selector"):
        await node_ctx.run(extract.SPEC, html=PAGE, extractions=[{"key": "k", "selector": "a[["}])


CSV_TEXT = 'name;amount;note\n"Zoë";12.5;"semi;colon"\n\nBo;7;"line\nbreak"\nÇ;;\n'


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"delimiter": ";"}, [
            {"name": "Zoë", "amount": "12.5", "note": "semi;colon"},
            {"name": "Bo", "amount": "7", "note": "line\nbreak"},
            {"name": "Ç", "amount": "", "note": ""},
        ]),
        ({"delimiter": ";", "numbers": True, "columns": ["n", "a"]}, [
            {"n": "Zoë", "a": 12.5, "col_3": "semi;colon"},
            {"n": "Bo", "a": 7, "col_3": "line\nbreak"},
            {"n": "Ç", "a": "", "col_3": ""},
        ]),
        ({"delimiter": ";", "header": False, "skip_empty_rows": False}, [
            {"col_1": "name", "col_2": "amount", "col_3": "note"},
            {"col_1": "Zoë", "col_2": "12.5", "col_3": "semi;colon"}, {},
            {"col_1": "Bo", "col_2": "7", "col_3": "line\nbreak"},
            {"col_1": "Ç", "col_2": "", "col_3": ""},
        ]),
    ],
    ids=["header", "columns and numbers", "no header"],
)  # fmt: skip
async def test_csv_parse(node_ctx: NodeCtx, params: dict[str, Any], expected: list[Any]) -> None:
    assert (await node_ctx.run(csv_parse.SPEC, {"in": CSV_TEXT}, **params))["out"] == expected


async def test_csv_build_and_parse_a_stored_file(node_ctx: NodeCtx) -> None:
    items = [{"a": 1, "b": {"x": "ñ"}}, {"b": None, "c": True}, {"a": 'q,"uote'}]
    ref = (
        await node_ctx.run(csv_build.SPEC, {"in": items}, output="file", file_name="../../o.csv")
    )["out"]
    assert ref["name"] == "o.csv" and ref["mime"] == "text/csv"
    rows = (await node_ctx.run(csv_parse.SPEC, {"in": ref}))["out"]
    assert rows == [
        {"a": "1", "b": '{"x": "ñ"}', "c": ""},
        {"a": "", "b": "", "c": "true"},
        {"a": 'q,"uote', "b": "", "c": ""},
    ]
    text = (await node_ctx.run(csv_build.SPEC, {"in": items}, columns=["b.x", "a"], quoting="all"))[
        "out"
    ]
    assert text.splitlines()[:2] == ['"b.x","a"', '"ñ","1"']


async def test_csv_errors(node_ctx: NodeCtx) -> None:
    with pytest.raises(NodeError, match="more than 1 rows"):
        await node_ctx.run(csv_parse.SPEC, source="a\n1\n2\n", max_rows=1)
    with pytest.raises(NodeError, match=r"items\[0\] is a number, not an object"):
        await node_ctx.run(csv_build.SPEC, items=[3])
    with pytest.raises(ValidationError, match="unknown encoding"):
        csv_parse.Params.model_validate({"encoding": "klingon"})


async def test_spreadsheet_write_then_read(node_ctx: NodeCtx) -> None:
    items = [
        {"name": "Zoë", "n": 1.5, "ok": True, "tags": ["a"]},
        {"name": "Bo", "when": "2024-01-01"},
    ]
    ref = (await node_ctx.run(sheet_write.SPEC, {"in": items}, sheet="Datos"))["out"]
    assert ref["name"] == "data.xlsx" and ref["size"] > 0
    rows = (await node_ctx.run(sheet_read.SPEC, {"in": ref}))["out"]
    assert rows == [
        {"name": "Zoë", "n": 1.5, "ok": True, "tags": '["a"]', "when": None},
        {"name": "Bo", "n": None, "ok": None, "tags": None, "when": "2024-01-01"},
    ]
    with pytest.raises(NodeError, match="no sheet 'Hoja'"):
        await node_ctx.run(sheet_read.SPEC, file=ref, sheet="Hoja")


async def test_spreadsheet_read_refuses_what_is_not_xlsx(node_ctx: NodeCtx) -> None:
    ref = await node_ctx.files.save(b"a,b\n1,2\n", name="x.csv")
    with pytest.raises(NodeError, match=r"not a readable \.xlsx file"):
        await node_ctx.run(sheet_read.SPEC, file=ref)
    with pytest.raises(NodeError, match="file must be a file reference"):
        await node_ctx.run(sheet_read.SPEC, file="x.xlsx")


LONG = ("Párrafo uno con palabras. " * 8 + "\n\n") * 3 + "x" * 130


@pytest.mark.parametrize(
    ("unit", "size", "overlap"), [("characters", 100, 20), ("characters", 40, 0), ("tokens", 20, 5)]
)
async def test_text_split_bounds_every_chunk_and_covers_the_text(
    node_ctx: NodeCtx, unit: str, size: int, overlap: int
) -> None:
    chunks = (
        await node_ctx.run(split.SPEC, text=LONG, unit=unit, chunk_size=size, chunk_overlap=overlap)
    )["out"]
    assert [c["index"] for c in chunks] == list(range(len(chunks)))
    assert all(0 < c["size"] <= size for c in chunks)
    joined = "".join(c["text"] for c in chunks)
    for word in ("uno", "palabras", "x" * 10):
        assert word in joined
    if unit == "characters":
        assert all(c["text"] in LONG for c in chunks)  # exact slices of the text


async def test_text_split_edge_cases(node_ctx: NodeCtx) -> None:
    assert (await node_ctx.run(split.SPEC, text=""))["out"] == []
    assert (await node_ctx.run(split.SPEC, text="short"))["out"] == [
        {"index": 0, "text": "short", "size": 5}
    ]
    with pytest.raises(ValidationError, match="chunk_overlap must be smaller"):
        split.Params.model_validate({"chunk_size": 10, "chunk_overlap": 10})
    with pytest.raises(NodeError, match="expected text, got list"):
        await node_ctx.run(split.SPEC, {"in": ["a"]})


async def test_file_nodes_read_the_body_of_an_http_download(node_ctx: NodeCtx) -> None:
    ref = await node_ctx.files.save(b"a;b\n1;2\n", name="x.csv")
    downloaded = {"status": 200, "headers": {"content-type": "text/csv"}, "body": ref}
    rows = await node_ctx.run(csv_parse.SPEC, {"in": downloaded}, delimiter=";")
    assert rows["out"] == [{"a": "1", "b": "2"}]
    digest = await node_ctx.run(crypto_hash.SPEC, {"in": downloaded})
    assert digest["out"] == hashlib.sha256(b"a;b\n1;2\n").hexdigest()
