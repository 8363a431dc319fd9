"""External link checker against a local server on 127.0.0.1 (no test leaves this machine)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")

from finops_lint.links import LinkCheckOptions, LinkResult, check_urls  # noqa: E402
from finops_lint.links.checker import check_urls_async  # noqa: E402
from finops_lint.links.fetch import make_transport  # noqa: E402
from finops_lint.links.responses import parse_retry_after  # noqa: E402
from finops_lint.links.safety import (  # noqa: E402
    GuardedResolver,
    SafeNetworkBackend,
    UnsafeAddressError,
    address_problem,
)
from tests.linkserver import LARGE_BODY, LinkServer, serve  # noqa: E402


@pytest.fixture
def server() -> Iterator[LinkServer]:
    with serve() as srv:
        yield srv


def options(**overrides: Any) -> LinkCheckOptions:
    """Fast settings for tests; 127.0.0.1 allowed."""
    values: dict[str, Any] = {
        "allow_hosts": frozenset({"127.0.0.1"}),
        "connect_timeout": 1.0,
        "timeout": 3.0,
        "retries": 2,
        "retry_backoff": 0.01,
        "max_retry_after": 3.0,
    }
    values.update(overrides)
    return LinkCheckOptions(**values)


def check_one(url: str, **overrides: Any) -> LinkResult:
    return check_urls([url], options(**overrides))[url]


# --- statuses -------------------------------------------------------------


def test_200_is_ok(server: LinkServer) -> None:
    result = check_one(f"{server.base}/ok")
    assert (result.status, result.http_status, result.final_url) == ("ok", 200, None)
    assert result.message == "200 OK"
    assert server.requests == [("HEAD", "/ok")]


@pytest.mark.parametrize(("path", "code"), [("/missing", 404), ("/gone", 410)])
def test_404_and_410_are_not_found(server: LinkServer, path: str, code: int) -> None:
    result = check_one(server.base + path)
    assert (result.status, result.http_status) == ("not-found", code)
    assert result.message.startswith(str(code))
    # HEAD, then GET to be sure (some servers answer HEAD wrongly); no retries for 4xx.
    assert server.requests == [("HEAD", path), ("GET", path)]


def test_other_4xx_is_client_error(server: LinkServer) -> None:
    result = check_one(f"{server.base}/forbidden")
    assert (result.status, result.http_status, result.message) == (
        "client-error",
        403,
        "403 Forbidden",
    )


def test_500_then_200_retry_succeeds(server: LinkServer) -> None:
    result = check_one(f"{server.base}/flaky")
    assert (result.status, result.http_status) == ("ok", 200)
    assert server.hits("/flaky") == 2


def test_503_forever_is_server_error_after_bounded_retries(server: LinkServer) -> None:
    result = check_one(f"{server.base}/unavailable", retries=2)
    assert (result.status, result.http_status) == ("server-error", 503)
    assert result.message == "503 Service Unavailable (3 attempts)"
    assert server.hits("/unavailable") == 3


def test_429_waits_for_retry_after_then_succeeds(server: LinkServer) -> None:
    start = time.monotonic()
    result = check_one(f"{server.base}/ratelimit")
    elapsed = time.monotonic() - start
    assert (result.status, result.http_status) == ("ok", 200)
    assert server.hits("/ratelimit") == 2
    assert 0.9 <= elapsed < 2.5  # Retry-After: 1 was honoured


def test_429_asking_for_a_longer_wait_than_allowed_is_not_waited_for(server: LinkServer) -> None:
    # Retry-After: 120 with at most 0.2 s allowed: reported at once (a retry before the
    # time the server asked for would only be refused again), never holding the run.
    result = check_one(f"{server.base}/ratelimit-long", max_retry_after=0.2)
    assert (result.status, result.http_status) == ("rate-limited", 429)
    assert server.hits("/ratelimit-long") == 1
    assert "asking to wait 120 s (more than the 0.2 s finops-lint waits)" in result.message


def test_parse_retry_after() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_700_000_000.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now=now) == pytest.approx(10.0)
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:00 GMT", now=now) == 0.0  # in the past


# --- redirects ------------------------------------------------------------


def test_301_chain_is_permanent_redirect_with_final_url(server: LinkServer) -> None:
    result = check_one(f"{server.base}/moved/3")
    assert result.status == "permanent-redirect"
    assert result.http_status == 200
    assert result.final_url == f"{server.base}/ok"
    assert result.final_url in result.message


def test_temporary_redirect_is_ok(server: LinkServer) -> None:
    result = check_one(f"{server.base}/temp")
    assert (result.status, result.final_url) == ("ok", f"{server.base}/ok")


def test_redirect_loop_is_reported(server: LinkServer) -> None:
    result = check_one(f"{server.base}/loop/a")
    assert result.status == "redirect-loop"
    assert "/loop/b" in result.message
    assert server.hits("/loop/a") == 1 and server.hits("/loop/b") == 1


def test_too_many_redirects(server: LinkServer) -> None:
    results = check_urls(
        [f"{server.base}/hops/15", f"{server.base}/hops/3"], options(max_redirects=10)
    )
    assert results[f"{server.base}/hops/15"].status == "too-many-redirects"
    assert results[f"{server.base}/hops/3"].status == "ok"
    assert len(server.requests) == 11 + 4  # bounded: max_redirects + 1 hops, then stop


def test_redirect_to_non_http_scheme(server: LinkServer) -> None:
    result = check_one(f"{server.base}/to-mailto")
    assert result.status == "unsupported-scheme"


# --- methods, timeouts, bodies, resets -------------------------------------


def test_head_405_falls_back_to_get(server: LinkServer) -> None:
    result = check_one(f"{server.base}/head-405")
    assert (result.status, result.http_status) == ("ok", 200)
    assert server.requests == [("HEAD", "/head-405"), ("GET", "/head-405")]


def test_host_that_refuses_head_gets_get_directly_afterwards(server: LinkServer) -> None:
    opts = options(max_per_host=1)  # one at a time, so the second URL knows about the first
    check_urls([f"{server.base}/head-405", f"{server.base}/ok"], opts)
    assert ("HEAD", "/ok") not in server.requests
    assert ("GET", "/ok") in server.requests


def test_slow_endpoint_times_out(server: LinkServer) -> None:
    start = time.monotonic()
    result = check_one(f"{server.base}/slow", timeout=0.3, retries=1)
    elapsed = time.monotonic() - start
    assert result.status == "timeout"
    assert result.message == "timed out after 0.3 s (2 attempts)"
    assert server.hits("/slow") == 2
    assert elapsed < 1.5


def test_large_body_is_not_downloaded(server: LinkServer) -> None:
    result = check_one(f"{server.base}/large")
    assert (result.status, result.http_status) == ("ok", 200)
    assert server.large_done.wait(5)
    # The client read a small bound and closed; only what fits in socket buffers was sent.
    assert server.large_sent < LARGE_BODY // 4, server.large_sent


def test_connection_reset_is_connection_error_after_retries(server: LinkServer) -> None:
    result = check_one(f"{server.base}/reset", retries=2)
    assert result.status == "connection"
    assert result.http_status is None
    assert result.message == "connection reset by peer (3 attempts)"
    assert server.hits("/reset") == 3


def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago, now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = check_one(f"http://127.0.0.1:{port}/", retries=1)
    assert (result.status, result.message) == ("connection", "connection refused (2 attempts)")


def test_connections_are_reused(server: LinkServer) -> None:
    urls = [f"{server.base}/ok/{i}" for i in range(20)]
    results = check_urls(urls, options(max_per_host=2))
    assert all(r.status == "ok" for r in results.values())
    assert len(server.requests) == 20
    assert server.connections <= 2  # HEAD responses are read to the end, so sockets are reused


def test_per_host_concurrency_is_bounded(server: LinkServer) -> None:
    urls = [f"{server.base}/paced/{i}" for i in range(12)]
    results = check_urls(urls, options(max_per_host=3))
    assert all(r.status == "ok" for r in results.values())
    assert server.max_in_flight <= 3


def test_anyio_backend_fallback(server: LinkServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.10 uses httpcore's anyio backend; the same behaviours hold there."""
    import httpcore

    from finops_lint.links import safety

    monkeypatch.setattr(safety, "_default_backend", httpcore.AnyIOBackend)
    paths = ["/ok/1", "/ok/2", "/ok/3", "/missing", "/reset", "/large", "/moved/2"]
    results = check_urls([server.base + p for p in paths], options(max_per_host=1, retries=1))
    assert [r.status for r in results.values()] == [
        "ok",
        "ok",
        "ok",
        "not-found",
        "connection",
        "ok",
        "permanent-redirect",
    ]
    assert server.large_done.wait(5) and server.large_sent < LARGE_BODY // 4


# --- safety -----------------------------------------------------------------


def test_loopback_refused_when_not_allowed(server: LinkServer) -> None:
    result = check_one(f"{server.base}/ok", allow_hosts=frozenset())
    assert result.status == "unsafe"
    assert "loopback" in result.message
    assert server.requests == []


def test_allow_private_allows_everything(server: LinkServer) -> None:
    result = check_one(f"{server.base}/ok", allow_hosts=frozenset(), allow_private=True)
    assert result.status == "ok"


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every connection the checker opens; anything but 127.0.0.1 is refused."""
    opened: list[str] = []
    real_open = SafeNetworkBackend._open

    async def guarded(self: SafeNetworkBackend, address: str, *args: Any) -> Any:
        opened.append(address)
        if address != "127.0.0.1":
            raise AssertionError(f"connection attempted to {address}")
        return await real_open(self, address, *args)

    monkeypatch.setattr(SafeNetworkBackend, "_open", guarded)
    return opened


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://192.168.1.1:8080/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
    ],
)
def test_private_literal_refused_without_connecting(url: str, no_connections: list[str]) -> None:
    start = time.monotonic()
    result = check_one(url, allow_hosts=frozenset(), connect_timeout=0.2, timeout=0.2, retries=0)
    assert result.status == "unsafe", result
    assert no_connections == []
    assert time.monotonic() - start < 1.0


def test_host_name_resolving_to_private_is_refused(no_connections: list[str]) -> None:
    async def lookup(host: str, port: int) -> list[str]:
        return {"intranet.example": ["10.1.2.3"], "mixed.example": ["93.184.216.34", "127.0.0.1"]}[
            host
        ]

    urls = ["http://intranet.example/", "https://mixed.example/"]
    results = asyncio.run(check_urls_async(urls, options(allow_hosts=frozenset()), lookup=lookup))
    assert [results[u].status for u in urls] == ["unsafe", "unsafe"]
    assert "10.1.2.3" in results[urls[0]].message
    assert no_connections == []


def test_allowed_host_connects_to_the_vetted_address(server: LinkServer) -> None:
    """The name resolves only through our resolver: proof that the checked IP is used."""

    async def lookup(host: str, port: int) -> list[str]:
        assert host == "intranet.example"
        return ["127.0.0.1"]

    url = f"http://intranet.example:{server.port}/ok"
    opts = options(allow_hosts=frozenset({"intranet.example"}))
    results = asyncio.run(check_urls_async([url], opts, lookup=lookup))
    assert results[url].status == "ok"
    assert server.requests == [("HEAD", "/ok")]


def test_redirect_hop_to_unsafe_host_is_refused(server: LinkServer) -> None:
    # 127.0.0.1 is allowed, but "localhost" (its redirect target) is not.
    result = check_one(f"{server.base}/to-localhost")
    assert result.status == "unsafe"
    assert result.final_url == f"http://localhost:{server.port}/ok"
    assert server.hits("/ok") == 0


def test_redirect_hop_to_private_ip_is_refused(server: LinkServer, no_connections: Any) -> None:
    result = check_one(f"{server.base}/to-private")
    assert result.status == "unsafe"
    assert "10.0.0.1" in result.message
    assert no_connections == ["127.0.0.1"]  # the server itself, never 10.0.0.1


def test_backend_refuses_at_connect_time(server: LinkServer) -> None:
    """The socket layer itself refuses, whatever the pre-check did (guards the httpx wiring)."""

    async def run() -> None:
        resolver = GuardedResolver(allow_hosts=(), timeout=1.0)
        transport = make_transport(LinkCheckOptions(), resolver)
        async with httpx.AsyncClient(transport=transport) as client:
            with pytest.raises(UnsafeAddressError):
                await client.get(f"{server.base}/ok")

    asyncio.run(run())
    assert server.requests == []


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LinkServer]:
    """HTTPS on 127.0.0.1 with a self-signed certificate for intranet.example only."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not available")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=intranet.example",
         "-addext", "subjectAltName=DNS:intranet.example",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # httpx trusts it (as it would a company CA)
    with serve(tls=(str(cert), str(key))) as srv:
        yield srv


def test_https_connects_to_vetted_ip_and_verifies_the_host_name(tls_server: LinkServer) -> None:
    """TLS is checked against the URL's host even though the socket goes to the vetted IP."""

    async def lookup(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    good = f"https://intranet.example:{tls_server.port}/ok"
    wrong_name = f"https://other.example:{tls_server.port}/ok"
    opts = options(allow_hosts=frozenset({"intranet.example", "other.example"}), retries=0)
    results = asyncio.run(check_urls_async([good, wrong_name], opts, lookup=lookup))
    assert results[good].status == "ok", results[good]
    assert results[wrong_name].status == "connection"
    assert results[wrong_name].message.startswith("TLS error")
    assert tls_server.requests == [("HEAD", "/ok")]


def test_dns_failure() -> None:
    async def lookup(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    url = "https://no-such-host.example/page"
    results = asyncio.run(check_urls_async([url], options(), lookup=lookup))
    assert results[url].status == "dns"
    assert "no-such-host.example" in results[url].message


def test_address_problem_categories() -> None:
    assert address_problem("127.0.0.1") == "loopback"
    assert address_problem("10.0.0.1") == "private"
    assert address_problem("169.254.169.254") == "link-local"
    assert address_problem("::ffff:192.168.0.1") == "private"
    assert address_problem("ff02::1") == "multicast"
    assert address_problem("240.0.0.1") is not None
    assert address_problem("93.184.216.34") is None
    assert address_problem("2606:2800:220:1::1") is None


# --- URLs that are never requested --------------------------------------------


def test_non_http_schemes_and_invalid_urls(no_connections: list[str]) -> None:
    urls = ["mailto:a@example.org", "ftp://example.org/file", "www.example.org", "http://"]
    results = check_urls(urls, options())
    assert [results[u].status for u in urls] == [
        "unsupported-scheme",
        "unsupported-scheme",
        "invalid-url",
        "invalid-url",
    ]
    assert no_connections == []


def test_excluded_patterns(server: LinkServer) -> None:
    url = f"{server.base}/missing"
    result = check_one(url, exclude=(r"/missing$",))
    assert result.status == "excluded"
    assert result.ok
    assert server.requests == []


def test_invalid_exclude_pattern_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid exclude pattern"):
        check_urls(["https://example.org/"], options(exclude=("(",)))


def test_same_url_requested_once(server: LinkServer) -> None:
    urls = [f"{server.base}/ok", f"{server.base}/ok", f"{server.base}/ok#a", f"{server.base}/ok#b"]
    results = check_urls(urls, options())
    assert set(results) == {urls[0], urls[2], urls[3]}
    assert all(r.status == "ok" for r in results.values())
    assert results[urls[2]].url == urls[2]
    assert server.requests == [("HEAD", "/ok")]


def test_works_inside_a_running_event_loop(server: LinkServer) -> None:
    async def caller() -> LinkResult:
        return check_one(f"{server.base}/ok")

    assert asyncio.run(caller()).status == "ok"


# --- cache --------------------------------------------------------------------


def test_cache_is_reused_on_second_run(server: LinkServer, tmp_path: Path) -> None:
    urls = [f"{server.base}/ok", f"{server.base}/missing"]
    first = check_urls(urls, options(cache_dir=tmp_path))
    assert not any(r.cached for r in first.values())
    seen = list(server.requests)
    second = check_urls(urls, options(cache_dir=tmp_path))
    assert server.requests == seen  # the server saw no second request
    assert all(r.cached for r in second.values())
    assert {u: (r.status, r.http_status) for u, r in second.items()} == {
        u: (r.status, r.http_status) for u, r in first.items()
    }
    data = json.loads((tmp_path / "external-links.json").read_text())
    assert set(data[urls[0]]) == {"status", "http_status", "final_url", "message", "checked_at"}


def test_failures_expire_sooner_than_good_results(server: LinkServer, tmp_path: Path) -> None:
    urls = [f"{server.base}/ok", f"{server.base}/missing"]
    check_urls(urls, options(cache_dir=tmp_path))
    check_urls(urls, options(cache_dir=tmp_path, cache_failure_max_age=0.0))
    assert server.hits("/ok") == 1
    assert server.hits("/missing") == 4  # HEAD + GET, twice


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"http://x/": {"status": "ok", "http_s',
        "[1, 2, 3]",
        '{"u": {"status": 5}}',
        "",
    ],
)
def test_corrupt_cache_file_is_ignored_and_rebuilt(
    server: LinkServer, tmp_path: Path, content: str
) -> None:
    (tmp_path / "external-links.json").write_text(content)
    url = f"{server.base}/ok"
    result = check_urls([url], options(cache_dir=tmp_path))[url]
    assert (result.status, result.cached) == ("ok", False)
    data = json.loads((tmp_path / "external-links.json").read_text())
    assert list(data) == [url]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_read_only_cache_dir_is_not_fatal(
    server: LinkServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    cache_dir.chmod(0o555)

    def read_only(*args: Any, **kwargs: Any) -> Any:  # root ignores chmod; simulate EROFS too
        raise PermissionError(30, "Read-only file system")

    if os.geteuid() == 0:
        monkeypatch.setattr("finops_lint.safe_io._new_file", read_only)
    notices: list[str] = []
    try:
        urls = [f"{server.base}/ok", f"{server.base}/missing"]
        results = check_urls(urls, options(cache_dir=cache_dir, notice=notices.append))
    finally:
        cache_dir.chmod(0o755)
    assert [r.status for r in results.values()] == ["ok", "not-found"]
    assert len(notices) == 1 and "cache" in notices[0]
    assert list(cache_dir.iterdir()) == []


def test_unreadable_cache_file_gives_one_notice(server: LinkServer, tmp_path: Path) -> None:
    (tmp_path / "external-links.json").mkdir()  # neither readable nor replaceable as a file
    notices: list[str] = []
    url = f"{server.base}/ok"
    result = check_urls([url], options(cache_dir=tmp_path, notice=notices.append))[url]
    assert result.status == "ok"
    assert len(notices) == 1


# --- progress -----------------------------------------------------------------


def test_progress_bar_on_stderr(server: LinkServer, capsys: pytest.CaptureFixture[str]) -> None:
    check_urls([f"{server.base}/ok", f"{server.base}/missing"], options(progress=True))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "external links [" in captured.err and "2/2" in captured.err


def test_no_progress_bar_by_default(server: LinkServer, capsys: pytest.CaptureFixture[str]) -> None:
    check_urls([f"{server.base}/ok"], options())
    assert capsys.readouterr().err == ""
