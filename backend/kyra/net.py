"""SSRF-guarded outbound HTTP: every connection goes to a checked, pinned public IP address.

The guard sits where httpcore opens TCP connections, so it covers every request and every
redirect hop, resolves each host once and connects to exactly the address it checked (no
second lookup for DNS rebinding to exploit). TLS still uses the hostname for SNI and
certificate checks, and pooled connections are keyed by hostname.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable, Sequence
from typing import Any

import anyio
import httpcore
import httpx

from kyra.errors import BlockedAddressError

__all__ = [
    "AddressPolicy",
    "GuardedTransport",
    "blocked_reason",
    "create_http_client",
    "permitted_addresses",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Cloud instance-metadata endpoints (AWS/GCP/Azure, AWS IPv6, AWS ECS, Alibaba).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# IPv6 ranges that carry an IPv4 address in their low 32 bits (NAT64, IPv4-compatible).
_EMBEDS_V4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))
_SCHEMES = frozenset({"http", "https"})
_ALLOW_HINT = "allow it with KYRA_HTTP_ALLOW_HOSTS if this is intended"


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _EMBEDS_V4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why outbound HTTP must not reach ``ip``, or None when it is a public address."""
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_v4(ip)
        if embedded is not None and (reason := blocked_reason(embedded)):
            return f"{reason} (embedded in {ip})"
        if ip.is_site_local:
            return "a site-local address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip in _CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


class AddressPolicy:
    """Which resolved addresses a host may connect to; ``allow_hosts`` lifts the block.

    Entries of ``allow_hosts`` are hostnames (``api.internal``, ``*.corp.example``), IP
    addresses or CIDR networks (``127.0.0.1``, ``10.0.0.0/8``).
    """

    def __init__(self, allow_hosts: Iterable[str] = ()) -> None:
        self._names: set[str] = set()
        self._suffixes: list[str] = []
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in (e.strip().lower().rstrip(".") for e in allow_hosts):
            if not entry:
                continue
            try:
                self._networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if entry.startswith("*."):
                    self._suffixes.append(entry[1:])
                else:
                    self._names.add(entry)

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self._names or any(host.endswith(s) for s in self._suffixes)

    def check(self, host: str, addresses: Sequence[IPAddress]) -> None:
        """Raise BlockedAddressError unless every resolved address of ``host`` is permitted."""
        if self.host_allowed(host):
            return
        for ip in addresses:
            if any(ip.version == net.version and ip in net for net in self._networks):
                continue
            if reason := blocked_reason(ip):
                shown = host if host == str(ip) else f"{host} ({ip})"
                raise BlockedAddressError(
                    f"Refused to connect to {shown}: {reason}; {_ALLOW_HINT}.",
                    details={"host": host, "address": str(ip), "reason": reason},
                )


async def _resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses of ``host``, in resolver order (a numeric host resolves to itself)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


async def permitted_addresses(
    policy: AddressPolicy, host: str, port: int, *, timeout: float | None = None
) -> list[IPAddress]:
    """The addresses a connection to ``host`` may use: resolved once, every one checked.

    Connect to one of these (not to ``host`` again), so a second lookup cannot swap in
    another address. Database nodes use this for their TCP connections.

    Raises:
        BlockedAddressError: an address of ``host`` is not permitted.
        OSError: ``host`` does not resolve.
        TimeoutError: resolving took longer than ``timeout``.
    """
    with anyio.fail_after(timeout):
        addresses = await _resolve(host, port)
    if not addresses:
        raise OSError(f"Could not resolve {host}")
    policy.check(host, addresses)
    return addresses


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves once, checks every address, then connects to the checked IP only."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await permitted_addresses(self._policy, host, port, timeout=timeout)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"Timed out resolving {host}") from None
        except (OSError, ValueError) as exc:
            raise httpcore.ConnectError(f"Could not resolve {host}: {exc}") from None
        error: Exception | None = None
        for ip in addresses:
            try:
                return await self._backend.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("Refused to connect to a Unix socket.")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport that only speaks http(s) to addresses its policy permits."""

    def __init__(
        self,
        *,
        allow_hosts: Sequence[str] = (),
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = httpx.Limits(max_connections=100, max_keepalive_connections=20),
    ) -> None:
        super().__init__(verify=verify, trust_env=False, limits=limits)
        # Same pool httpx builds, plus our network backend; never a proxy (it would resolve).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(AddressPolicy(allow_hosts)),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme = request.url.scheme
        if scheme not in _SCHEMES:
            raise BlockedAddressError(
                f"Refused URL {str(request.url)!r}: only absolute http and https URLs are allowed.",
                details={"scheme": scheme},
            )
        return await super().handle_async_request(request)


def create_http_client(
    *, allow_hosts: Sequence[str] = (), timeout: float = 30.0, max_redirects: int = 5
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` whose every connection (and redirect hop) is SSRF-checked.

    Redirects are followed (each hop is re-checked when it connects); pass
    ``follow_redirects=False`` per request to handle them yourself. Environment proxies and
    ``.netrc`` are ignored.
    """
    return httpx.AsyncClient(
        transport=GuardedTransport(allow_hosts=allow_hosts),
        timeout=timeout,
        follow_redirects=True,
        max_redirects=max_redirects,
        trust_env=False,
    )
