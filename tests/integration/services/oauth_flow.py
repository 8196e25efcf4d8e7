"""Connecting a credential as a browser does: Kyra's authorize route, the provider's consent
page (a local fake), and back to Kyra's callback with the browser's session cookie."""

from __future__ import annotations

import httpx


async def connect(api: httpx.AsyncClient, credential_id: str) -> tuple[str, httpx.Response]:
    """Press Connect, then Allow: (the provider URL the browser went to, the callback answer)."""
    started = await api.post("/api/oauth/authorize", json={"credential_id": credential_id})
    cookie = started.cookies["kyra_oauth"]
    api.cookies.clear()
    authorize_url: str = started.json()["authorize_url"]
    async with httpx.AsyncClient() as browser:
        page = (await browser.get(authorize_url)).text
    allow = page.split('href="')[1].split('"')[0].replace("&amp;", "&")
    back = await api.get(
        allow.removeprefix("http://testserver"),
        headers={"X-API-Key": "", "Cookie": f"kyra_oauth={cookie}"},
    )
    return authorize_url, back
