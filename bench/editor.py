"""Editor benchmark: open, drag and pan generated graphs of 100, 500 and 1,000 nodes in Chromium.

Prints, per graph size: time from navigation to an interactive canvas, frames per second while
dragging a node and while panning (requestAnimationFrame callbacks counted in the page), the JS
heap after the interactions, and the time from a keystroke in a template field to its updated
live preview (p50 / p95 over 40 keystrokes, measured in the page). Then the targets of the
500-node graph with the measured/target ratio.

Wall-clock numbers depend on what else the machine runs, so each row also gives the CPU time of
the page's main thread (Chromium's ``ThreadTime`` metric) to open the graph, per frame while
dragging and per keystroke: compare those between runs on a shared machine. The load average
is printed before and after.

Server: ``KYRA_URL`` and ``KYRA_API_KEY`` name a running Kyra Flow (API + built web app); when
they are unset the script starts ``kyra up`` on a free loopback port with a throwaway data
folder and stops it at the end. Run: ``.venv/bin/python bench/editor.py [sizes...]``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import (
    Browser,
    CDPSession,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SIZES = (100, 500, 1000)
COLUMNS = 25
INTERACTION_SECONDS = 2.0
PREVIEW_KEYSTROKES = 40
#: The issue's targets, for the 500-node graph: (column, target, True when higher is better).
TARGET_SIZE = 500
TARGETS = (
    ("open_ms", "open (ms)", 2000.0, False),
    ("drag_fps", "drag fps", 50.0, True),
    ("preview_p95", "preview p95 (ms)", 50.0, False),
)
VIEWPORT: ViewportSize = {"width": 1600, "height": 1000}

FRAME_COUNTER = """
window.__frames = 0;
(function tick() { window.__frames += 1; requestAnimationFrame(tick); })();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def launch_chromium(pw: Playwright) -> Browser:
    """Headless Chromium: the system's /usr/bin/chromium when present, else Playwright's."""
    launch: dict[str, Any] = {"headless": True, "args": CHROMIUM_ARGS}
    if CHROMIUM.exists():
        launch["executable_path"] = str(CHROMIUM)
    return pw.chromium.launch(**launch)


@contextmanager
def kyra_server() -> Iterator[tuple[str, str]]:
    """A running Kyra Flow: KYRA_URL and KYRA_API_KEY, or a throwaway `kyra up` (stopped after)."""
    url, key = os.environ.get("KYRA_URL", ""), os.environ.get("KYRA_API_KEY", "")
    if url and key:
        yield url.rstrip("/"), key
        return
    port, key = _free_port(), secrets.token_urlsafe(24)
    data = tempfile.mkdtemp(prefix="kyra-bench-")
    env = {
        **os.environ,
        "KYRA_PORT": str(port),
        "KYRA_HOST": "127.0.0.1",
        "KYRA_DATA_DIR": data,
        "KYRA_ADMIN_API_KEY": key,
        "KYRA_LOG_LEVEL": "WARNING",
    }
    kyra = Path(sys.executable).with_name("kyra")
    log = open(Path(data) / "server.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [str(kyra), "up"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"kyra up exited with {proc.returncode}; see {data}/server.log")
            try:
                if (
                    httpx.get(f"{url}/api/me", headers={"X-API-Key": key}, timeout=2).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("kyra up did not answer within 120 s")
        yield url, key
    finally:
        if proc.poll() is None:
            # `kyra up` stops its own children (API, worker, PostgreSQL, Redis) on SIGTERM.
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def generated_graph(size: int) -> dict[str, Any]:
    """A manual trigger feeding a binary tree of `Core.set` nodes, laid out on a grid."""
    nodes: list[dict[str, Any]] = [
        {"id": "n0", "type": "Manual.trigger", "params": {}, "position": {"x": 0, "y": 0}}
    ]
    edges: list[dict[str, Any]] = []
    for i in range(1, size):
        nodes.append(
            {
                "id": f"n{i}",
                "type": "Core.set",
                "params": {
                    "values": {"step": i, "text": f"{{{{ nodes.n{(i - 1) // 2}.output }}}}"}
                },
                "position": {"x": (i % COLUMNS) * 260, "y": (i // COLUMNS) * 160},
            }
        )
        edges.append(
            {
                "source": f"n{(i - 1) // 2}",
                "sourcePort": "out",
                "target": f"n{i}",
                "targetPort": "in",
            }
        )
    return {
        "schema": "kyra.graph/1",
        "name": f"bench {size} nodes",
        "nodes": nodes,
        "edges": edges,
        "editor": {"test_payload": {"body": {"sku": "A-1"}}},
    }


def _main_thread_ms(cdp: CDPSession) -> float:
    """CPU time the page's main thread has used so far (ms)."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "ThreadTime")) * 1000


def _fps(page: Page, move: Any) -> tuple[float, int]:
    """Frames per second counted in the page while `move(step)` runs, and the frame count."""
    start_frames = page.evaluate("window.__frames")
    started = time.perf_counter()
    step = 0
    while time.perf_counter() - started < INTERACTION_SECONDS:
        move(step)
        step += 1
    elapsed = time.perf_counter() - started
    frames = page.evaluate("window.__frames") - start_frames
    return frames / elapsed, max(frames, 1)


def _drag_fps(page: Page) -> tuple[float, int]:
    box = page.locator('.react-flow__node[data-id="n0"] .kyra-node-header').bounding_box()
    assert box, "the trigger node is on screen"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    fps = _fps(page, lambda i: page.mouse.move(x + (i % 80) * 2, y + (i % 40)))
    page.mouse.up()
    return fps


def _pan_fps(page: Page) -> tuple[float, int]:
    pane = page.get_by_test_id("canvas").bounding_box()
    assert pane
    x, y = pane["x"] + 8, pane["y"] + 8  # inside the fit-view padding: empty pane
    page.mouse.move(x, y)
    page.mouse.down()
    fps = _fps(page, lambda i: page.mouse.move(x + (i % 100) * 3, y + (i % 50) * 2))
    page.mouse.up()
    return fps


#: In the page: time from each keydown in the template field to the preview of its new text.
PREVIEW_PROBE = """
(field) => {
  window.__latencies = [];
  let started = null;
  field.addEventListener("keydown", () => { started = performance.now(); }, true);
  const check = () => {
    const preview = document.querySelector('[data-testid="template-preview"]');
    if (started !== null && preview && preview.dataset.source === JSON.stringify(field.value)) {
      window.__latencies.push(performance.now() - started);
      started = null;
    }
  };
  new MutationObserver(check).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-source"],
  });
}
"""


def _preview_latencies(page: Page, keystrokes: int) -> list[float]:
    """Milliseconds from a keystroke in a template field to its updated live preview."""
    page.locator('.react-flow__node[data-id="n1"] .kyra-node-header').click()
    field = page.locator("#param_values")
    field.fill("{{ trigger.body.sku ~ '' }}")
    page.get_by_test_id("template-preview").wait_for()
    field.evaluate(PREVIEW_PROBE)
    field.press("End")
    for _ in range(4):
        field.press("ArrowLeft")  # inside the quotes: every key changes the rendered text
    for i in range(keystrokes):
        page.keyboard.press("x")
        page.wait_for_function(f"window.__latencies.length > {i}")
    return list(page.evaluate("window.__latencies"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(page: Page, url: str, graph_id: str) -> dict[str, float]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    cpu = _main_thread_ms(cdp)
    started = time.perf_counter()
    page.goto(f"{url}/graphs/{graph_id}")
    page.locator('.react-flow__node[data-id="n0"] [data-node-type]').wait_for()
    # Interactive: the first frames after the nodes are in the DOM have been painted.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    open_ms = (time.perf_counter() - started) * 1000
    open_cpu = _main_thread_ms(cdp) - cpu
    page.wait_for_timeout(300)
    cpu = _main_thread_ms(cdp)
    drag, frames = _drag_fps(page)
    drag_cpu = (_main_thread_ms(cdp) - cpu) / frames
    pan, _ = _pan_fps(page)
    cdp.send("HeapProfiler.collectGarbage")
    heap = next(
        m["value"]
        for m in cdp.send("Performance.getMetrics")["metrics"]
        if m["name"] == "JSHeapUsedSize"
    )
    rendered = page.locator(".react-flow__node").count()
    cpu = _main_thread_ms(cdp)
    latencies = _preview_latencies(page, PREVIEW_KEYSTROKES)
    key_cpu = (_main_thread_ms(cdp) - cpu) / PREVIEW_KEYSTROKES
    return {
        "preview_p50": percentile(latencies, 0.5),
        "preview_p95": percentile(latencies, 0.95),
        "open_ms": open_ms,
        "open_cpu": open_cpu,
        "drag_fps": drag,
        "drag_cpu": drag_cpu,
        "pan_fps": pan,
        "key_cpu": key_cpu,
        "heap_mb": heap / 1e6,
        "rendered": rendered,
    }


def _load() -> str:
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def print_tables(
    rows: list[tuple[int, dict[str, float]]], load_before: str, load_after: str
) -> None:
    """The measurements, the main thread's CPU time, and the targets with measured/target ratios."""
    print(f"load average (1/5/15 min): {load_before} before, {load_after} after")
    head = (
        "nodes",
        "open (ms)",
        "drag fps",
        "pan fps",
        "JS heap (MB)",
        "rendered",
        "preview p50/p95 (ms)",
        "CPU open (ms)",
        "CPU/frame drag",
        "CPU/keystroke",
    )
    print("{:>6} {:>10} {:>9} {:>8} {:>13} {:>9} {:>21} {:>14} {:>15} {:>14}".format(*head))
    for size, r in rows:
        preview = f"{r['preview_p50']:.0f} / {r['preview_p95']:.0f}"
        print(
            f"{size:>6} {r['open_ms']:>10.0f} {r['drag_fps']:>9.1f} {r['pan_fps']:>8.1f}"
            f" {r['heap_mb']:>13.1f} {r['rendered']:>9.0f} {preview:>21}"
            f" {r['open_cpu']:>14.0f} {r['drag_cpu']:>15.1f} {r['key_cpu']:>14.1f}"
        )
    measured = dict(rows).get(TARGET_SIZE)
    if measured is None:
        return
    print(f"\ntargets at {TARGET_SIZE} nodes (ratio = measured / target)")
    for key, label, target, higher in TARGETS:
        value = measured[key]
        met = value >= target if higher else value <= target
        sign = ">=" if higher else "<="
        print(
            f"  {label:<17} {value:>8.1f}  target {sign} {target:<6.0f}"
            f" ratio {value / target:>5.2f}  {'met' if met else 'NOT met'}"
        )


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or list(SIZES)
    rows: list[tuple[int, dict[str, float]]] = []
    load_before = _load()
    with kyra_server() as (url, key), sync_playwright() as pw:
        client = httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60)
        browser = launch_chromium(pw)
        created: list[str] = []
        try:
            for size in sizes:
                resp = client.post("/api/graphs", json=generated_graph(size))
                resp.raise_for_status()
                graph_id = resp.json()["id"]
                created.append(graph_id)
                # The app's CSP forbids eval, which Playwright's wait_for_function relies on.
                context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
                context.add_init_script(f"localStorage.setItem('kyra.apiKey', {key!r});")
                context.add_init_script(FRAME_COUNTER)
                page = context.new_page()
                page.goto(
                    url
                )  # warm the HTTP cache with the app bundle, as a returning user has it
                page.get_by_role("heading", name="Graphs").wait_for()
                rows.append((size, measure(page, url, graph_id)))
                context.close()
        finally:
            for graph_id in created:
                client.delete(f"/api/graphs/{graph_id}")
            browser.close()
            client.close()

    print_tables(rows, load_before, _load())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
