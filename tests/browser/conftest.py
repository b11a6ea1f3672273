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
from collections.abc import Iterator
from pathlib import Path

import pytest

from parindex.web.localserver import LocalServer, stop_server
from parindex.web.localserver import start_server as start_local_server

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


Server = LocalServer


def start_server(data_dir: Path, log: Path, workers: int = 2) -> Server:
    return start_local_server(data_dir, log, workers, timeout=SERVER_START_TIMEOUT)


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
