"""Every node type in the catalogue has an icon the editor knows and a palette category."""

from __future__ import annotations

import re
from pathlib import Path

from kyra.registry import default_registry

ICONS_TS = Path(__file__).resolve().parents[2] / "frontend" / "src" / "nodes" / "icons.ts"


def test_every_node_type_names_an_icon_of_the_editor() -> None:
    source = ICONS_TS.read_text()
    table = source[source.index("export const ICONS") : source.index("};")]
    known = set(re.findall(r"^\s+(\w+): ", table, re.MULTILINE))
    missing = {spec.type: spec.icon for spec in default_registry() if spec.icon not in known}
    assert missing == {}


def test_every_node_type_has_a_category_and_a_description() -> None:
    for spec in default_registry():
        assert spec.category and spec.description.strip(), spec.type
        assert spec.as_dict()["icon"] == spec.icon
