"""Browser tests: a real parindex server (gunicorn, whitenoise static files, SQLite in a
temporary data directory, the demo province) driven by a real Chromium through Playwright.

The server is started once per test session in each pytest process (so `pytest -n 2`
gives every worker its own data directory and port) with the documented first-start path:

    parindex serve --demo --data-dir D --host 127.0.0.1 --port P --workers 2

(applies the migrations, collects the static files, loads the demo into the empty database,
then runs gunicorn). Only loopback is used.

Chromium is the system's (Debian: `apt-get install chromium`), never one downloaded by
`playwright install`: set PARINDEX_CHROMIUM to another executable if needed. Without a
Chromium the tests fail with a message saying so; PARINDEX_BROWSER_TESTS=0 skips them
explicitly (e.g. on a workstation without Chromium).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
SERVER_START_TIMEOUT = 150  # seconds: migrations + collectstatic + demo take ~30 s on 2 CPUs
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    """Keep the (single, long) browser test in front so an xdist worker starts it first
    instead of after a queue of short tests: the run ends sooner."""
    browser = [i for i in items if "tests/browser/" in str(i.fspath).replace(os.sep, "/")]
    if browser:
        others = [i for i in items if i not in browser]
        items[:] = browser + others


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember on the test item whether its call failed (for the failure screenshots)."""
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


def chromium_executable() -> str | None:
    explicit = os.environ.get("PARINDEX_CHROMIUM")
    if explicit:
        return explicit
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    """The environment of the server: none of the test run's Django or database settings
    (pytest-django sets DJANGO_SETTINGS_MODULE and settings_test a key and a data dir; CI
    sets DATABASE_URL for the PostgreSQL run): the server uses its own SQLite database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARINDEX_") and k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env["PARINDEX_LOG_LEVEL"] = "WARNING"
    return env


def parindex_command() -> list[str]:
    script = Path(sys.executable).with_name("parindex")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from parindex.cli import main; sys.exit(main())"]


@dataclass
class Server:
    url: str
    data_dir: Path
    log: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_server(data_dir: Path, log: Path, workers: int = 2) -> Server:
    """`parindex serve --demo` on a free loopback port; returns once /healthz answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        *parindex_command(),
        "serve",
        "--demo",
        "--data-dir",
        str(data_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    handle = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        command,
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=server_env(),
        cwd=data_dir,
        start_new_session=True,  # its own process group: stopped with its workers
    )
    handle.close()
    server = Server(url, data_dir, log, process)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"parindex serve exited with {process.returncode}:\n{server.log_tail()}"
            )
        if _healthy(url):
            return server
        time.sleep(0.25)
    stop_server(server)
    raise RuntimeError(
        f"parindex serve did not answer in {SERVER_START_TIMEOUT} s:\n{server.log_tail()}"
    )


def stop_server(server: Server) -> None:
    process = server.process
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # the group we created: gunicorn and workers
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium() -> str:
    if os.environ.get("PARINDEX_BROWSER_TESTS", "1").strip().lower() in ("0", "no", "off"):
        pytest.skip("browser tests switched off (PARINDEX_BROWSER_TESTS=0)")
    executable = chromium_executable()
    if not executable:
        pytest.fail(
            "no Chromium found for the browser tests: install it (Debian: apt-get install "
            "chromium), set PARINDEX_CHROMIUM, or skip them with PARINDEX_BROWSER_TESTS=0"
        )
    return executable


@pytest.fixture(scope="module")
def parindex_server(tmp_path_factory, artifacts_dir, chromium) -> Iterator[Server]:
    """A running parindex server with the demo data, in its own data directory (stopped
    after the module: the rest of the suite gets the CPUs back). Its log:
    test-artifacts/e2e/server-<xdist worker>.log."""
    data_dir = tmp_path_factory.mktemp("parindex-e2e")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    server = start_server(data_dir, artifacts_dir / f"server-{worker}.log")
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def server_url(parindex_server) -> str:
    return parindex_server.url


@pytest.fixture(scope="module")
def browser(chromium):
    """Chromium through Playwright's sync API, for one module only: while Playwright runs,
    its asyncio loop counts as running in this thread, and Django refuses database access
    from "an async context" (SynchronousOnlyOperation) in every later test of the process."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
