"""Bench: 1,000 unique external URLs, finops-lint's checker vs markdown-link-check.

A local HTTP/1.1 server on 127.0.0.1 (its own process) answers every request after
20 ms of added latency. A Markdown file links 1,000 unique URLs on it. Both tools
run end to end as subprocesses on the same file against the same server, in
alternating order, for several paired runs; the script prints medians and the
ratio, and checks from the server's request counter and each tool's output that
all 1,000 URLs were really requested and reported alive.

    .venv/bin/python bench/bench_external.py [--runs 5] [--urls 1000] [--latency-ms 20]

markdown-link-check is installed with npm into --npm-dir (default: a folder in
the system temp dir) when it is not there yet. It checks links two at a time
(hard-coded ``async.mapLimit(..., 2)`` in its index.js), HEAD first.

finops-lint runs twice per round: with default options (128 in all, 10 per
host) and with ``max_per_host=128`` (``--per-host N`` to choose). With every URL
on one host, 10 per host puts a floor of 1,000 / 10 x 20 ms = 2.0 s under the
default run, against 10.0 s for markdown-link-check, so its ratio cannot pass
5x; the 128-per-host run shows the engine's own speed, the way 1,000 links
spread over many hosts are checked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DEFAULT_NPM_DIR = Path(tempfile.gettempdir()) / "finops-lint-bench-mlc"
LINK_RE = re.compile(r"\]\((https?://[^)\s]+)\)")


# --- the server (runs in its own process: ``--serve``) -------------------------


async def _serve(latency: float) -> None:
    requests = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal requests
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, _, header_block = head.decode("latin-1").partition("\r\n")
                method, path, _version = request_line.split(" ", 2)
                headers = header_block.lower()
                if path == "/__stats":
                    body = json.dumps({"requests": requests}).encode()
                else:
                    requests += 1
                    await asyncio.sleep(latency)
                    body = b"ok\n"
                close = "connection: close" in headers
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    + f"Content-Length: {len(body)}\r\n".encode()
                    + (b"Connection: close\r\n" if close else b"")
                    + b"\r\n"
                    + (b"" if method == "HEAD" else body)
                )
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


def server_requests(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats", timeout=5) as response:
        return int(json.load(response)["requests"])


# --- finops-lint side (runs in its own process: ``--check``) --------------------


def _check(markdown: Path, per_host: int | None) -> None:
    sys.path.insert(0, str(SRC))
    from finops_lint.links import LinkCheckOptions, check_urls

    urls = LINK_RE.findall(markdown.read_text())
    options = LinkCheckOptions(allow_hosts=frozenset({"127.0.0.1"}))
    if per_host is not None:
        options.max_per_host = per_host
    results = check_urls(urls, options)
    alive = sum(1 for r in results.values() if r.status == "ok")
    print(json.dumps({"checked": len(results), "alive": alive}))


# --- driver ---------------------------------------------------------------------


def ensure_mlc(npm_dir: Path) -> Path:
    binary = npm_dir / "node_modules" / ".bin" / "markdown-link-check"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm not found: install Node.js to compare with markdown-link-check")
    npm_dir.mkdir(parents=True, exist_ok=True)
    print(f"installing markdown-link-check into {npm_dir} ...", file=sys.stderr)
    subprocess.run(
        [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(npm_dir),
            "markdown-link-check",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return binary


def run_ours(markdown: Path, per_host: int | None) -> tuple[float, int, int]:
    command = [sys.executable, __file__, "--check", str(markdown)]
    if per_host is not None:
        command += ["--per-host", str(per_host)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return elapsed, summary["checked"], summary["alive"]


def run_mlc(binary: Path, markdown: Path, config: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(binary), "--config", str(config), str(markdown)], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    alive = len(re.findall(r"^\s*\[✓\] http://127\.0\.0\.1:\d+/\S+$", done.stdout, re.M))
    summary = re.search(r"(\d+) links checked", done.stdout)
    if done.returncode != 0 or summary is None:
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return elapsed, int(summary.group(1)) if summary else 0, alive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--npm-dir", type=Path, default=DEFAULT_NPM_DIR)
    parser.add_argument(
        "--per-host",
        type=int,
        action="append",
        help="also time finops-lint with this max_per_host (repeatable; default: 128). "
        "Default options (10 per host) always run.",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        asyncio.run(_serve(args.latency_ms / 1000))
        return
    if args.check:
        _check(args.check, args.per_host[0] if args.per_host else None)
        return

    binary = ensure_mlc(args.npm_dir)
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--latency-ms", str(args.latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with tempfile.TemporaryDirectory(prefix="finops-lint-bench-") as tmp:
            markdown = Path(tmp) / "links.md"
            lines = ["# Links", ""]
            lines += [
                f"- [page {i}](http://127.0.0.1:{port}/docs/page-{i}.html)"
                for i in range(args.urls)
            ]
            markdown.write_text("\n".join(lines) + "\n")
            config = Path(tmp) / "mlc.json"
            config.write_text(json.dumps({"aliveStatusCodes": [200], "timeout": "10s"}))

            variants: list[tuple[str, int | None]] = [("finops-lint (defaults, 10/host)", None)]
            extra = args.per_host if args.per_host is not None else [128]
            variants += [(f"finops-lint (max_per_host={n})", n) for n in extra]
            times: dict[str, list[float]] = {name: [] for name, _ in variants}
            times["markdown-link-check"] = []

            for run in range(args.runs):
                order = ["ours", "mlc"] if run % 2 == 0 else ["mlc", "ours"]
                for side in order:
                    if side == "ours":
                        for name, per_host in variants:
                            before = server_requests(port)
                            elapsed, checked, alive = run_ours(markdown, per_host)
                            sent = server_requests(port) - before
                            times[name].append(elapsed)
                            report(run, name, elapsed, checked, alive, sent, args.urls)
                    else:
                        before = server_requests(port)
                        elapsed, checked, alive = run_mlc(binary, markdown, config)
                        sent = server_requests(port) - before
                        times["markdown-link-check"].append(elapsed)
                        report(run, "markdown-link-check", elapsed, checked, alive, sent, args.urls)

            mlc = statistics.median(times["markdown-link-check"])
            print()
            print(
                f"{args.urls} unique URLs, {args.latency_ms:g} ms latency, {args.runs} paired runs"
            )
            print(f"{'tool':40} {'median':>9} {'min':>8} {'max':>8}  ratio")
            for name, values in times.items():
                median = statistics.median(values)
                verdict = ""
                if name != "markdown-link-check":
                    verdict = (
                        f"  (<3 s: {'yes' if median < 3 else 'NO'}, "
                        f">=10x: {'yes' if mlc / median >= 10 else 'NO'})"
                    )
                print(
                    f"{name:40} {median:8.2f}s {min(values):7.2f}s {max(values):7.2f}s"
                    f"  {mlc / median:5.1f}x{verdict}"
                )
            floor = args.urls / 10 * args.latency_ms / 1000
            mlc_floor = args.urls / 2 * args.latency_ms / 1000
            print(
                f"(floors from latency alone: {floor:.1f} s at 10 connections per host, "
                f"{mlc_floor:.1f} s for markdown-link-check's 2 at a time)"
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def report(
    run: int, name: str, elapsed: float, checked: int, alive: int, sent: int, n: int
) -> None:
    flag = "" if alive == n and sent >= n else "  <-- NOT ALL ALIVE/REQUESTED"
    print(
        f"run {run + 1}: {name:40} {elapsed:6.2f}s  reported {alive}/{checked} alive, "
        f"server saw {sent} requests{flag}",
        flush=True,
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
