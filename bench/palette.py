"""Palette benchmark: how fast the node search answers with the whole catalogue, in Chromium.

For the editor's side palette ("Search nodes…") and the quick-add picker (Ctrl+K), types real
queries one key at a time (titles, types, synonyms; each query cleared with Ctrl+A, Backspace,
which brings the whole list back) and measures, in the page, the time from each keydown to the
filtered list committed to the DOM (the list's ``data-query`` equals the box's text) and to the
next frame after it. Prints p50 / p95 / max per surface and the catalogue size.

Server: ``KYRA_URL`` and ``KYRA_API_KEY`` name a running Kyra Flow (API + built web app); when
they are unset the script starts ``kyra up`` on a free loopback port with a throwaway data
folder and stops it at the end. Run: ``.venv/bin/python bench/palette.py [rounds]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
from playwright.sync_api import CDPSession, Locator, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.editor import VIEWPORT, kyra_server, launch_chromium, percentile  # noqa: E402

#: What people type: titles, a type name, synonyms and service names.
QUERIES = (
    "fetch url", "postgres", "google drive", "remove duplicates", "excel", "Data.filter",
    "sheets append", "hmac", "rss feed", "date & time", "s3 bucket", "split text",
)  # fmt: skip
ROUNDS = 2

#: In the page: per keydown in ``input``, ms to the list showing its text, and to the next frame.
PROBE = """
([input, list]) => {
  window.__committed = []; window.__framed = [];
  let started = null;
  input.addEventListener("keydown", () => { started = performance.now(); }, true);
  new MutationObserver(() => {
    if (started === null || list.dataset.query !== input.value) return;
    const t0 = started;
    started = null;
    window.__committed.push(performance.now() - t0);
    requestAnimationFrame(() => setTimeout(() => window.__framed.push(performance.now() - t0)));
  }).observe(list, { attributes: true, attributeFilter: ["data-query"] });
}
"""


#: Chromium's main-thread time counters (seconds, cumulative), from CDP ``Performance``.
COUNTERS = ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration")


def main_thread(cdp: CDPSession) -> dict[str, float]:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {name: float(metrics[name]) for name in COUNTERS}


def type_queries(page: Page, box: Locator, list_: Locator, rounds: int) -> dict[str, list[float]]:
    """Type every query key by key, then clear it; the latencies measured in the page, and the
    main thread's busy time per key (CPU work, unlike latencies not stretched by other load)."""
    page.evaluate(PROBE, [box.element_handle(), list_.element_handle()])
    box.focus()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    before = main_thread(cdp)
    expected = 0
    for _ in range(rounds):
        for query in QUERIES:
            for key in [*query, "Clear"]:
                if key == "Clear":
                    page.keyboard.press("Control+a")
                    page.keyboard.press("Backspace")
                else:
                    page.keyboard.type(key)
                expected += 1
                page.wait_for_function(f"window.__framed.length >= {expected}")
    after = main_thread(cdp)
    cdp.detach()
    return {
        "committed": list(page.evaluate("window.__committed")),
        "framed": list(page.evaluate("window.__framed")),
        **{name: [(after[name] - before[name]) * 1000 / expected] for name in COUNTERS},
    }


def measure(page: Page, url: str, graph_id: str, rounds: int) -> dict[str, dict[str, list[float]]]:
    page.goto(f"{url}/graphs/{graph_id}")
    page.get_by_test_id("canvas").wait_for()
    palette = page.get_by_role("complementary", name="Node palette")
    palette.get_by_test_id("palette-item-Manual.trigger").wait_for()
    box, groups = palette.get_by_label("Search nodes"), palette.locator(".palette-groups")
    results = {"palette": type_queries(page, box, groups, rounds)}
    page.get_by_test_id("canvas").click(position={"x": 20, "y": 20})
    page.keyboard.press("Control+k")
    picker = page.get_by_role("dialog", name="Add node")
    box, options = picker.get_by_label("Search nodes"), picker.get_by_role("listbox")
    results["quick add"] = type_queries(page, box, options, rounds)
    return results


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else ROUNDS
    with kyra_server() as (url, key), sync_playwright() as pw:
        client = httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60)
        catalogue = len(client.get("/api/nodes").json())
        graph = {"schema": "kyra.graph/1", "name": "bench palette",
                 "nodes": [{"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}}],
                 "edges": []}  # fmt: skip
        graph_id = client.post("/api/graphs", json=graph).raise_for_status().json()["id"]
        browser = launch_chromium(pw)
        try:
            # The app's CSP forbids eval, which Playwright's wait_for_function relies on.
            context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
            context.add_init_script(f"localStorage.setItem('kyra.apiKey', {key!r});")
            page = context.new_page()
            page.goto(url)  # warm the HTTP cache with the app bundle, as a returning user has it
            page.get_by_role("heading", name="Graphs").wait_for()
            results = measure(page, url, graph_id, rounds)
            context.close()
        finally:
            client.delete(f"/api/graphs/{graph_id}")
            browser.close()
            client.close()

    print(f"catalogue: {catalogue} node types; {rounds} rounds of {len(QUERIES)} queries")
    head = ("surface", "keys", "to DOM p50/p95/max (ms)", "to next frame p50/p95/max (ms)",
            "main thread per key: task / script / style / layout (ms)")  # fmt: skip
    print("{:<10} {:>5} {:>25} {:>32} {:>58}".format(*head))
    for surface, times in results.items():
        cells = [
            " / ".join(f"{f(times[k]):.1f}" for f in (
                lambda v: percentile(v, 0.5), lambda v: percentile(v, 0.95), max))
            for k in ("committed", "framed")
        ]  # fmt: skip
        busy = " / ".join(f"{times[name][0]:.1f}" for name in COUNTERS)
        print(f"{surface:<10} {len(times['framed']):>5} {cells[0]:>25} {cells[1]:>32} {busy:>58}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
