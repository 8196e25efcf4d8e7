"""Agent orchestration overhead per iteration and per tool call, and agents/s on one worker.

A real stack (embedded PostgreSQL + Redis, the API under uvicorn, one worker) and a fake OpenAI
server in its own process that answers instantly: every agent calls ``Core.think`` a few times,
then answers. Overhead is what the agent node spends beyond the model's own latency.

    .venv/bin/python bench/agent.py [--agents 50] [--tools 3] [--samples 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._stack import Stack, print_table, start_fake_provider  # noqa: E402


def serve_fake(port: int, tools: int) -> None:
    """Child-process entry: a fake OpenAI that asks for ``tools`` thinks, then answers."""
    import uvicorn

    from tests.fakes.openai import FakeOpenAI
    from tests.fakes.server import Recorded, Reply, Response, ToolUse

    class Thinker(FakeOpenAI):
        def respond(self, recorded: Recorded, reply: Reply) -> Response:
            done = sum(1 for m in (recorded.body or {}).get("messages", []) if m["role"] == "tool")
            if done < tools:
                call = ToolUse("Core__think", {"thought": f"step {done + 1}"})
                reply = Reply(text="", tool_calls=[call], usage=(200, 20))
            else:
                reply = Reply(text="All done.", usage=(300, 5))
            return super().respond(recorded, reply)

    uvicorn.run(Thinker()._app, host="127.0.0.1", port=port, log_level="error", interface="asgi3")


async def model_latency_ms(base_url: str, samples: int) -> float:
    """Median round trip of one chat call straight to the fake (the model's share)."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": "Bearer sk-bench"}
    times = []
    async with httpx.AsyncClient() as client:
        for _ in range(samples):
            started = time.perf_counter()
            await client.post(f"{base_url}/chat/completions", json=body, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def setup(client: httpx.AsyncClient, base_url: str) -> str:
    provider = await client.post(
        "/api/llm/providers",
        json={"name": "fake", "kind": "openai", "base_url": base_url, "api_key": "sk-bench"},
    )
    provider.raise_for_status()
    model = {"provider_id": provider.json()["id"], "model_key": "gpt-4o-mini",
             "input_cost_per_1k": "0.00015", "output_cost_per_1k": "0.0006",
             "capabilities": {"tools": True}, "is_recommended": True}  # fmt: skip
    (await client.post("/api/llm/models", json=model)).raise_for_status()
    agent = await client.post("/api/agents", json={
        "name": "bench", "default_prompt": "Think, then answer.", "tools": ["Core.think"],
        "max_iterations": 20})  # fmt: skip
    agent.raise_for_status()
    return str(agent.json()["id"])


async def final(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    while True:
        run = (await client.get(f"/api/runs/{run_id}")).json()
        if run["status"] in ("succeeded", "failed", "paused", "cancelled"):
            return dict(run)
        await asyncio.sleep(0.02)


async def step_stats(client: httpx.AsyncClient, run_id: str) -> tuple[float, int, list[float]]:
    """Agent node duration, iterations and tool-step durations of one run."""
    trace = (await client.get(f"/api/runs/{run_id}/trace")).json()
    node = next(n for n in trace["tree"] if n["node_type"] == "AI.agent")
    steps = node["children"]
    tools = [s["duration_ms"] for s in steps if s["kind"] == "tool_call"]
    iterations = sum(1 for s in steps if s["kind"] == "llm_call")
    return node["duration_ms"], iterations, tools


async def overhead(
    client: httpx.AsyncClient, agent_id: str, mode: str, samples: int, latency: float
) -> list[object]:
    per_iteration, per_tool, wall = [], [], []
    for _ in range(samples):
        started = time.perf_counter()
        response = await client.post(
            f"/api/agents/{agent_id}/run", json={"goal": "go", "mode": mode}
        )
        response.raise_for_status()
        run_id = response.json()["run_id"]
        if mode == "queue":
            await final(client, run_id)
        wall.append((time.perf_counter() - started) * 1000)
        duration, iterations, tools = await step_stats(client, run_id)
        per_iteration.append((duration - iterations * latency) / iterations)
        per_tool.extend(tools)
    return [mode, iterations, len(tools), f"{statistics.median(per_iteration):.2f}",
            f"{statistics.median(per_tool):.2f}", f"{statistics.median(wall):.1f}"]  # fmt: skip


async def throughput(
    client: httpx.AsyncClient, agent_id: str, agents: int, tools: int
) -> list[object]:
    started = time.perf_counter()
    responses = await asyncio.gather(*(
        client.post(f"/api/agents/{agent_id}/run", json={"goal": f"go {i}", "mode": "queue"})
        for i in range(agents)))  # fmt: skip
    runs = await asyncio.gather(*(final(client, r.json()["run_id"]) for r in responses))
    elapsed = time.perf_counter() - started
    ok = sum(1 for r in runs if r["status"] == "succeeded")
    calls = agents * (2 * tools + 1)  # tools + 1 model calls and tools tool calls per agent
    return [agents, ok, f"{elapsed:.2f}", f"{agents / elapsed:.1f}", f"{calls / elapsed:.0f}"]


async def measure(stack: Stack, base_url: str, args: argparse.Namespace) -> None:
    latency = await model_latency_ms(base_url, 50)
    headers = {"X-API-Key": stack.api_key}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=120) as client:
        agent_id = await setup(client, base_url)
        await overhead(client, agent_id, "tracked", 3, latency)  # warm-up
        rows = [await overhead(client, agent_id, m, args.samples, latency)
                for m in ("tracked", "queue")]  # fmt: skip
        burst = await throughput(client, agent_id, args.agents, args.tools)
    print(f"\nfake model round trip (median, straight from this process): {latency:.2f} ms")
    print_table(
        "Agent orchestration overhead (fake model answering instantly)",
        ["mode", "iterations", "tool calls", "overhead / iteration (ms)", "tool call (ms)",
         "agent run, API wall (ms)"], rows,
    )  # fmt: skip
    print_table(
        "Concurrent agent runs on one worker (queue mode)",
        ["agents", "succeeded", "wall (s)", "agents/s", "LLM + tool calls/s"], [burst],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--tools", type=int, default=3, help="think calls before answering")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    fake, base_url = start_fake_provider("agent", args.tools)
    stack = Stack(durable=False).start()
    try:
        asyncio.run(measure(stack, base_url, args))
    finally:
        stack.stop()
        fake.terminate()
        fake.wait(10)


if __name__ == "__main__":
    main()
