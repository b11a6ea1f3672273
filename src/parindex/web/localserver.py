"""Start and stop a real `parindex serve` on a free loopback port, for the browser test and
the load script.

Both need the product exactly as a user starts it (gunicorn, static files, demo data), in
its own data directory and its own SQLite database, whatever the caller's environment says.
No Django import here: the caller is a test or a script, not the web application.
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
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env() -> dict[str, str]:
    """The caller's environment without its Django or database settings (pytest-django sets
    DJANGO_SETTINGS_MODULE, CI sets DATABASE_URL): the server uses its own SQLite database."""
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
    found = shutil.which("parindex")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from parindex.cli import main; sys.exit(main())"]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class LocalServer:
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


def start_server(data_dir: Path, log: Path, workers: int = 2, timeout: float = 180) -> LocalServer:
    """`parindex serve --demo` on a free loopback port; returns once /healthz answers.

    Raises RuntimeError (with the end of the server log) if it exits or does not answer.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*parindex_command(), "serve", "--demo", "--data-dir", str(data_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=server_env(),
            cwd=data_dir,
            start_new_session=True,  # its own process group: stopped with its workers
        )
    server = LocalServer(url, data_dir, log, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"parindex serve exited with {process.returncode}:\n{server.log_tail()}"
            )
        if healthy(url):
            return server
        time.sleep(0.25)
    stop_server(server)
    raise RuntimeError(f"parindex serve did not answer in {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(server: LocalServer) -> None:
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
