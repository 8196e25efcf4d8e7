"""The SSRF guard, against a real HTTP server on 127.0.0.1 and the real resolver."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import kyra.net
from kyra.errors import BlockedAddressError
from kyra.net import GuardedTransport, blocked_reason, create_http_client


class _Handler(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        if url.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", parse_qs(url.query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"path": url.path, "host": self.headers["Host"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def port(server: ThreadingHTTPServer) -> int:
    server.hits.clear()  # type: ignore[attr-defined]
    return server.server_address[1]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:{port}/ok", "loopback"),
        ("http://localhost:{port}/ok", "loopback"),
        ("http://[::1]:{port}/ok", "loopback"),
        ("http://0.0.0.0:{port}/ok", "unspecified"),
        ("http://2130706433:{port}/ok", "loopback"),
        ("http://017700000001:{port}/ok", "loopback"),
        ("http://0x7f.0.0.1:{port}/ok", "loopback"),
        ("http://[::ffff:127.0.0.1]:{port}/ok", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://224.0.0.1/", "multicast"),
    ],
)
async def test_internal_addresses_are_refused(
    server: ThreadingHTTPServer, port: int, url: str, why: str
) -> None:
    async with create_http_client(timeout=5) as client:
        with pytest.raises(BlockedAddressError, match=why) as info:
            await client.get(url.format(port=port))
    assert "Refused to connect to" in str(info.value)
    assert server.hits == []  # type: ignore[attr-defined]


async def test_dotted_octal_ip_never_connects(server: ThreadingHTTPServer, port: int) -> None:
    # httpx rejects this spelling while parsing; either way nothing reaches the server.
    async with create_http_client(timeout=5) as client:
        with pytest.raises((BlockedAddressError, httpx.InvalidURL)):
            await client.get(f"http://0177.0.0.1:{port}/ok")
    assert server.hits == []  # type: ignore[attr-defined]


async def test_allow_hosts_permits_a_local_server(port: int) -> None:
    async with create_http_client(allow_hosts=["127.0.0.1"]) as client:
        response = await client.get(f"http://127.0.0.1:{port}/ok")
    assert response.status_code == 200
    assert response.json()["path"] == "/ok"


async def test_allow_hosts_accepts_cidr_networks(port: int) -> None:
    async with create_http_client(allow_hosts=["127.0.0.0/8"]) as client:
        response = await client.get(f"http://127.0.0.1:{port}/ok")
    assert response.status_code == 200


async def test_redirect_to_an_allowed_address_is_followed(port: int) -> None:
    target = f"http://127.0.0.1:{port}/final"
    async with create_http_client(allow_hosts=["127.0.0.1"]) as client:
        response = await client.get(f"http://127.0.0.1:{port}/redirect", params={"to": target})
    assert response.json()["path"] == "/final"
    assert len(response.history) == 1


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[::1]/"]
)
async def test_redirect_to_a_blocked_address_is_refused_at_the_hop(
    server: ThreadingHTTPServer, port: int, target: str
) -> None:
    async with create_http_client(allow_hosts=["127.0.0.1"]) as client:
        with pytest.raises(BlockedAddressError):
            await client.get(f"http://127.0.0.1:{port}/redirect", params={"to": target})
    # The first hop was served; the refused hop never left the process.
    assert [urlsplit(hit).path for hit in server.hits] == ["/redirect"]  # type: ignore[attr-defined]


async def test_connection_is_pinned_to_the_checked_address(
    monkeypatch: pytest.MonkeyPatch, port: int
) -> None:
    # "pinned.test" exists only in this fake resolver: reaching the server proves that the
    # connection used the address that was checked, without a second DNS lookup.
    lookups: list[str] = []

    async def fake_resolve(host: str, port: int) -> list[ipaddress.IPv4Address]:
        lookups.append(host)
        return [ipaddress.IPv4Address("127.0.0.1")]

    monkeypatch.setattr(kyra.net, "_resolve", fake_resolve)
    async with create_http_client(allow_hosts=["127.0.0.1/32"]) as client:
        response = await client.get(f"http://pinned.test:{port}/ok")
    assert response.json() == {"path": "/ok", "host": f"pinned.test:{port}"}
    assert lookups == ["pinned.test"]


async def test_hostname_resolving_to_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_resolve(host: str, port: int) -> list[ipaddress.IPv4Address]:
        return [ipaddress.IPv4Address("93.184.215.14"), ipaddress.IPv4Address("127.0.0.1")]

    monkeypatch.setattr(kyra.net, "_resolve", fake_resolve)
    async with create_http_client() as client:
        with pytest.raises(BlockedAddressError, match=r"rebind\.test \(127\.0\.0\.1\)"):
            await client.get("http://rebind.test/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://x/"])
async def test_only_http_schemes_are_allowed(url: str) -> None:
    async with create_http_client(allow_hosts=["127.0.0.1"]) as client:
        with pytest.raises((BlockedAddressError, httpx.UnsupportedProtocol)):
            await client.get(url)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "0.0.0.0",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "169.254.1.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "fec0::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::",
    ],
)
def test_non_public_addresses_have_a_reason(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An HTTPS server on 127.0.0.1 whose certificate names only ``pinned.test``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pinned.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("pinned.test")]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.hits = []  # type: ignore[attr-defined]
    httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], ssl.create_default_context(cafile=folder / "cert.pem")
    httpd.shutdown()
    httpd.server_close()


async def test_tls_uses_the_hostname_while_connecting_to_the_pinned_address(
    monkeypatch: pytest.MonkeyPatch, tls_server: tuple[int, ssl.SSLContext]
) -> None:
    port, trust = tls_server

    async def fake_resolve(host: str, port: int) -> list[ipaddress.IPv4Address]:
        return [ipaddress.IPv4Address("127.0.0.1")]

    monkeypatch.setattr(kyra.net, "_resolve", fake_resolve)
    transport = GuardedTransport(allow_hosts=["127.0.0.1"], verify=trust)
    async with httpx.AsyncClient(transport=transport) as client:
        # The certificate is valid for pinned.test only, so verification proves SNI/hostname.
        response = await client.get(f"https://pinned.test:{port}/ok")
        assert response.json() == {"path": "/ok", "host": f"pinned.test:{port}"}
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.get(f"https://127.0.0.1:{port}/ok")


async def test_a_dns_answer_that_changes_after_the_check_is_never_used(
    server: ThreadingHTTPServer, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rebinding: the first answer passes the check, every later one points at loopback. The
    # connection must go to the checked (public, here unreachable) address, never to a new one.
    answers = iter([ipaddress.IPv4Address("192.0.2.10")])

    async def rebinding_resolve(host: str, port: int) -> list[ipaddress.IPv4Address]:
        return [next(answers, ipaddress.IPv4Address("127.0.0.1"))]

    monkeypatch.setattr(kyra.net, "_resolve", rebinding_resolve)
    monkeypatch.setattr(kyra.net, "blocked_reason", lambda ip: "loopback" if ip.is_loopback else "")
    async with create_http_client(timeout=1) as client:
        with pytest.raises((httpx.HTTPError, BlockedAddressError)):
            await client.get(f"http://rebind.test:{port}/ok")
    assert server.hits == []  # type: ignore[attr-defined]
