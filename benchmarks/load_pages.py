"""Load test of the main pages: 50 signed-in users at once against a real parindex server.

    python benchmarks/load_pages.py [--users 50] [--requests 2000] [--duration 120]
                                    [--workers 2] [--url http://127.0.0.1:8000] [--json out.json]

Without `--url` it starts its own server like the browser tests do — `parindex serve --demo`
in a temporary data directory on a free loopback port (migrations, static files, the demo
province; gunicorn with `--workers` sync workers) — creates the extra accounts with
`parindex manage shell`, and stops the server at the end. With `--url` it uses that server
(loopback only) and signs in with the demo accounts alone (several sessions per account);
add `--data-dir D` (the server's data directory) to create the extra accounts there too.

Users: the demo accounts that see the whole province or Sở Tư pháp (canbo.snv, thamdinh,
lanhdao, baocao.stp, thutruong.stp), plus viewers and appraisers of the province
(`load.viewerNN`, `load.appraiserNN`, password of the demo) up to `--users`. All sign in
through the sign-in form first (not measured with the pages), then start together; each
requests, in a shuffled order, the pages its roles may see:

    home            /                                      everyone
    dashboard       /campaigns/<open campaign>/            province-wide roles
    self_form       /campaigns/a/<STP>/self/               everyone
    appraisal       /campaigns/a/<STP>/appraise/           appraisers, campaign administrator
    ranking         /rankings/<published campaign>/        everyone
    profile         /rankings/<published>/units/<STP>/     everyone
    public_list     /results/                              everyone (no sign-in needed)
    public_ranking  /results/<published campaign>/         everyone

(<open campaign> is this year's campaign of the departments, <published> last year's,
<STP> Sở Tư pháp.) It stops after `--requests` requests in all or `--duration` seconds,
whichever comes first, and prints per page and overall: requests, errors, p50, p95, max
(client-side latency: time to the last byte, including the wait for a free gunicorn worker),
the throughput, and, for comparison, the median of each page requested by one user alone
before the run (`--baseline` times each). Only the standard library; only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from parindex.web.localserver import (
    LocalServer,
    parindex_command,
    server_env,
    stop_server,
)
from parindex.web.localserver import start_server as start_local_server

DEMO_PASSWORD = "cchc-demo-2025"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
PAGES = (
    "home",
    "dashboard",
    "self_form",
    "appraisal",
    "ranking",
    "profile",
    "public_list",
    "public_ranking",
)
# pages each kind of account may see (the others would be 403s, not load)
ROLE_PAGES = {
    "campaign_admin": PAGES,
    "appraiser": PAGES,
    "viewer": tuple(p for p in PAGES if p != "appraisal"),
    "unit": ("home", "self_form", "ranking", "profile", "public_list", "public_ranking"),
}
DEMO_USERS = [
    ("canbo.snv", "campaign_admin"),
    ("thamdinh", "appraiser"),
    ("lanhdao", "viewer"),
    ("baocao.stp", "unit"),
    ("thutruong.stp", "unit"),
]

CREATE_USERS = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from parindex.web.accounts.models import RoleAssignment
from parindex.web.units.models import Unit
wanted = json.loads({wanted!r})
User = get_user_model()
province = Unit.objects.in_force().get(code="MH")
password = make_password({password!r})  # hashed once: PBKDF2 per user would take ~20 s
existing = set(User.objects.filter(username__in=[u for u, _ in wanted]).values_list("username", flat=True))
for username, role in wanted:
    if username in existing:
        continue
    user = User.objects.create(username=username, full_name="Tài khoản thử tải " + username, password=password)
    RoleAssignment.objects.create(user=user, role=role, unit=province, valid_from=province.valid_from, note="load test")
print("created", len(wanted) - len(existing))
"""


# --- server ----------------------------------------------------------------------------------


def start_server(data_dir: Path, workers: int, timeout: float = 180) -> LocalServer:
    try:
        return start_local_server(data_dir, data_dir / "server.log", workers, timeout)
    except RuntimeError as error:
        sys.exit(str(error))


def create_users(data_dir: Path, wanted: list[tuple[str, str]]) -> None:
    code = CREATE_USERS.format(wanted=json.dumps(wanted), password=DEMO_PASSWORD)
    command = [*parindex_command(), "manage", "--data-dir", str(data_dir), "shell", "-c", code]
    result = subprocess.run(
        command, env=server_env(), capture_output=True, text=True, timeout=300, cwd=data_dir
    )
    if result.returncode != 0:
        sys.exit(f"creating the load-test accounts failed:\n{result.stdout}\n{result.stderr}")


# --- HTTP client (one per user: its own cookies) ------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class Client:
    base: str
    username: str
    kind: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(
        self, path: str, data: dict | None = None, timeout: float = 60
    ) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(
            self.base + path,
            data=body,
            headers={"Accept-Language": "vi", "Referer": self.base + path},
        )
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:  # 3xx (not followed), 4xx, 5xx
            return exc.code, exc.read()

    def login(self, password: str = DEMO_PASSWORD) -> None:
        status, html = self.request("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if status != 200 or not token:
            raise RuntimeError(f"{self.username}: no sign-in form ({status})")
        status, _ = self.request(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": self.username,
                "password": password,
                "next": "/",
            },
        )
        if status != 302 or not any("session" in c.name for c in self.jar):
            raise RuntimeError(f"{self.username}: sign-in refused ({status})")

    def text(self, path: str) -> str:
        status, body = self.request(path)
        if status != 200:
            raise RuntimeError(f"{self.username}: GET {path} answered {status}")
        return body.decode("utf-8")


def discover(admin: Client) -> dict[str, str]:
    """The URLs of the pages, found through the pages themselves (as the campaign admin)."""
    listing = admin.text("/campaigns/")
    campaigns = re.findall(r'href="/campaigns/(\d+)/">([^<]*sở, ban, ngành[^<]*)</a>', listing)
    if not campaigns:
        raise RuntimeError("no campaign of the departments on /campaigns/")
    public = admin.text("/results/")
    published = re.findall(r'href="/results/(\d+)/">([^<]*sở, ban, ngành[^<]*)</a>', public)
    if not published:
        raise RuntimeError("no published campaign of the departments on /results/")

    def year(name: str) -> int:
        return int(re.search(r"(\d{4})", name).group(1))

    open_id = max(campaigns, key=lambda c: year(c[1]))[0]
    published_id = max(published, key=lambda c: year(c[1]))[0]
    dashboard = admin.text(f"/campaigns/{open_id}/?q=STP")
    assessment = re.search(r'href="/campaigns/a/(\d+)/"', dashboard)
    ranking = admin.text(f"/rankings/{published_id}/?q=STP")
    unit = re.search(rf'href="/rankings/{published_id}/units/(\d+)/"', ranking)
    if not assessment or not unit:
        raise RuntimeError("Sở Tư pháp (STP) not found on the dashboard or the ranking")
    a, u = assessment.group(1), unit.group(1)
    return {
        "home": "/",
        "dashboard": f"/campaigns/{open_id}/",
        "self_form": f"/campaigns/a/{a}/self/",
        "appraisal": f"/campaigns/a/{a}/appraise/",
        "ranking": f"/rankings/{published_id}/",
        "profile": f"/rankings/{published_id}/units/{u}/",
        "public_list": "/results/",
        "public_ranking": f"/results/{published_id}/",
    }


# --- the run ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def run(
    clients: list[Client], urls: dict[str, str], total: int, duration: float, seed: int
) -> tuple[dict[str, list[float]], dict[str, list[str]], float]:
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    budget = [total]
    start_gate = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def take() -> bool:
        with lock:
            if budget[0] <= 0 or time.monotonic() >= deadline[0]:
                return False
            budget[0] -= 1
            return True

    def user(client: Client, index: int) -> None:
        rng = random.Random(seed + index)
        pages = list(ROLE_PAGES[client.kind])
        start_gate.wait()
        while True:
            rng.shuffle(pages)
            for page in pages:
                if not take():
                    return
                t0 = time.perf_counter()
                try:
                    status, body = client.request(
                        urls[page], timeout=max(1.0, deadline[0] - time.monotonic())
                    )
                    ok = status == 200
                    problem = f"{status} {urls[page]}"
                except OSError as exc:  # timeout at the time cap, connection refused
                    ok, problem = False, f"{type(exc).__name__} {urls[page]}"
                elapsed = time.perf_counter() - t0
                with lock:
                    if ok:
                        times[page].append(elapsed)
                    else:
                        errors[page].append(problem)

    threads = [
        threading.Thread(target=user, args=(c, i), daemon=True) for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    deadline[0] = time.monotonic() + duration
    t0 = time.monotonic()
    start_gate.wait()
    for t in threads:
        t.join(timeout=max(0.0, deadline[0] - time.monotonic()) + 5)
    return times, errors, time.monotonic() - t0


def measure_baseline(client: Client, urls: dict[str, str], repeat: int) -> dict[str, float]:
    """Median time of each page for one user alone (the server's own time, no queue)."""
    medians = {}
    for page in PAGES:
        values = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            status, _body = client.request(urls[page])
            values.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"{client.username}: GET {urls[page]} answered {status}")
        if values:
            medians[page] = percentile(values, 50)
    return medians


def report(times, errors, elapsed, logins, args, workers_text, baseline) -> dict:
    def row(name: str, values: list[float], failed: int) -> dict:
        if not values:
            return {"page": name, "n": 0, "errors": failed}
        return {
            "page": name,
            "n": len(values),
            "errors": failed,
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "alone_p50_ms": round(baseline[name] * 1000, 1) if name in baseline else None,
        }

    rows = [row(p, times.get(p, []), len(errors.get(p, []))) for p in PAGES]
    every = [v for p in PAGES for v in times.get(p, [])]
    failed = sum(len(e) for e in errors.values())
    overall = row("overall", every, failed)
    done = len(every) + failed
    print()
    print(
        f"{len(args.clients)} users, {done} requests in {elapsed:.1f} s "
        f"({done / elapsed:.1f} requests/s); server: {workers_text}"
    )
    print(
        f"{'page':<16}{'n':>6}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}"
        f"{'alone p50':>11}"
    )
    for r in [*rows, overall]:
        if r is overall:
            print("-" * 60)
        if r["n"]:
            alone = f"{r['alone_p50_ms']:>11.1f}" if r.get("alone_p50_ms") is not None else ""
            print(
                f"{r['page']:<16}{r['n']:>6}{r['errors']:>8}"
                f"{r['p50_ms']:>10.1f}{r['p95_ms']:>10.1f}{r['max_ms']:>10.1f}{alone}"
            )
        else:
            print(f"{r['page']:<16}{0:>6}{r['errors']:>8}")
    if logins:
        print(
            f"(sign-in, before the run: {len(logins)} users, p50 "
            f"{percentile(logins, 50) * 1000:.0f} ms, p95 {percentile(logins, 95) * 1000:.0f} ms)"
        )
    for page, problems in errors.items():
        print(f"errors on {page}: {sorted(set(problems))[:5]}")
    return {
        "users": len(args.clients),
        "requests": done,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(done / elapsed, 2),
        "server": workers_text,
        "pages": rows,
        "overall": overall,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="total, all users together")
    parser.add_argument("--duration", type=float, default=120, help="time cap in seconds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (own server)")
    parser.add_argument("--url", help="an already running server (loopback only)")
    parser.add_argument("--data-dir", type=Path, help="its data directory, to add accounts")
    parser.add_argument(
        "--baseline", type=int, default=5, help="first, each page N times by one user alone"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    server = None
    tmp = None
    try:
        if args.url:
            url = args.url.rstrip("/")
            host = urllib.parse.urlsplit(url).hostname or ""
            if host not in LOOPBACK:
                parser.error("--url must be a loopback address (127.0.0.1, localhost)")
            data_dir = args.data_dir
            workers_text = f"{url} (not started here)"
        else:
            tmp = Path(tempfile.mkdtemp(prefix="parindex-load-"))
            data_dir = tmp
            t0 = time.monotonic()
            print(f"starting parindex serve --workers {args.workers} in {tmp} ...", flush=True)
            server = start_server(tmp, args.workers)
            url = server.url
            print(f"server up at {url} in {time.monotonic() - t0:.0f} s", flush=True)
            workers_text = f"parindex serve, gunicorn {args.workers} sync workers, SQLite"

        users = list(DEMO_USERS)
        extra = max(0, args.users - len(users))
        if data_dir is not None and extra:
            viewers = (extra + 1) // 2
            wanted = [(f"load.viewer{i:02d}", "viewer") for i in range(1, viewers + 1)]
            wanted += [
                (f"load.appraiser{i:02d}", "appraiser") for i in range(1, extra - viewers + 1)
            ]
            create_users(data_dir, wanted)
            users += wanted
        clients = [
            Client(url, name, kind)
            for name, kind in (users[i % len(users)] for i in range(args.users))
        ]
        args.clients = clients

        logins: list[float] = []
        lock = threading.Lock()

        def sign_in(client: Client) -> None:
            t0 = time.perf_counter()
            client.login()
            with lock:
                logins.append(time.perf_counter() - t0)

        threads = [threading.Thread(target=sign_in, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if len(logins) != len(clients):
            sys.exit(f"only {len(logins)} of {len(clients)} users could sign in")
        urls = discover(clients[0])
        print(f"{len(clients)} users signed in; pages: {urls}", flush=True)

        baseline = measure_baseline(clients[0], urls, args.baseline)
        times, errors, elapsed = run(clients, urls, args.requests, args.duration, args.seed)
        figures = report(times, errors, elapsed, logins, args, workers_text, baseline)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
        return 0
    finally:
        if server is not None:
            stop_server(server)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
