"""Logins per second per core: argon2 parameters, and a login through the app.

Part 1 verifies one password hash over and over with the old parameters (argon2-cffi's
default: 64 MiB, t=3, p=4) and with OWASP's argon2id profile (19 MiB, t=2, p=1), and
reports milliseconds of CPU per verify and verifies per CPU-second (= logins per second
per core). Part 2 logs in through the Flask app (test client, SQLite, CSRF, session
row, throttle counters) with the production parameters, and reports the same figures
against a bare GET of the login page in the same process as the baseline.
Part 3 is a login burst against the real server: ``course serve`` (gunicorn) with 1 and
then 2 workers, in interleaved rounds, each round a burst of logins from new browsers
(GET /login for the CSRF token, POST /login) by client threads; it reports logins per
second, and logins per CPU-second of the server's processes (read from /proc), which is
logins per second per core.

CPU time (``time.process_time``) counts every thread, so p=4 is charged for all four
lanes it keeps busy. Run: ``.venv/bin/python bench/logins.py`` (``--only-serve`` for
part 3 alone; ``--quick`` runs only part 3, one round of 8 logins per worker count: it
proves the server burst still works, in CI, and skips parts 1 and 2).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.clock import FixedClock
from course.services import passwords
from course.services.accounts import create_user
from course.services.content_sync import sync_root
from course.settings import HashParams, Settings
from course.store.engine import make_engine, make_sessionmaker
from course.store.migrate import upgrade
from course.web.app import create_app
from tests.servers import course, free_port, instance_env, serve, stop

PASSWORD = "a long enough password for the bench"
OLD = HashParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)
REPO = Path(__file__).resolve().parent.parent


def measure(work: Callable[[], object], seconds: float = 3.0) -> tuple[float, float, int]:
    """Run ``work`` for about ``seconds``; return (CPU ms per call, wall ms per call, calls)."""
    work()  # warm up
    calls, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall0 < seconds:
        work()
        calls += 1
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    return cpu / calls * 1000, wall / calls * 1000, calls


def direct() -> dict[str, float]:
    print("Direct argon2 verify (one thread)")
    per_call = {}
    for name, params in (("old 64 MiB t=3 p=4", OLD), ("OWASP 19 MiB t=2 p=1", passwords.OWASP)):
        hasher = passwords.Hasher(params)
        encoded = hasher.hash(PASSWORD)
        cpu_ms, wall_ms, calls = measure(lambda h=hasher, e=encoded: h.verify(e, PASSWORD))
        per_call[name] = cpu_ms
        print(
            f"  {name:<22} {cpu_ms:7.1f} ms CPU, {wall_ms:7.1f} ms wall per verify "
            f"({calls} runs) -> {1000 / cpu_ms:6.1f} logins/s per core"
        )
    old, new = per_call.values()
    print(f"  OWASP / old CPU per verify: {new / old:.2f} (x{old / new:.1f} logins per core)")
    return per_call


def through_app() -> None:
    print("Through the app (test client, SQLite, OWASP parameters)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
        session = make_sessionmaker(engine)()
        sync_root(session, clock, REPO)
        settings = Settings(
            instance_path=Path(tmp),
            database_url=url,
            secret_key="bench-secret-key-not-for-production",
            content_path=REPO,
        )
        app = create_app(settings, engine, clock)
        create_user(session, clock, "bench@example.org", PASSWORD, "Bench")

        def login_page() -> tuple[object, str]:
            client = app.test_client()  # a new browser each time: nothing carried over
            html = client.get("/login").get_data(as_text=True)
            match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
            assert match
            return client, match[1]

        def login() -> None:
            client, token = login_page()
            form = {"email": "bench@example.org", "password": PASSWORD, "csrf_token": token}
            page = client.post("/login", data=form)  # type: ignore[attr-defined]
            assert page.status_code == 302, page.status_code

        base_cpu, _, _ = measure(login_page)
        cpu_ms, wall_ms, calls = measure(login)
        engine.dispose()
    print(f"  GET /login (baseline)        {base_cpu:7.1f} ms CPU per request")
    print(
        f"  GET /login + POST /login     {cpu_ms:7.1f} ms CPU, {wall_ms:7.1f} ms wall "
        f"({calls} runs) -> {1000 / cpu_ms:6.1f} logins/s per core; "
        f"{cpu_ms / base_cpu:.1f}x the baseline"
    )


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in the process group ``pgid`` (the
    gunicorn master and its workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid:  # pgrp; utime and stime are fields 14 and 15 of stat
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def one_login(port: int, email: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = (response.headers.get("Set-Cookie") or "").split(";", 1)[0]
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, "no CSRF token on /login"
        form = {"email": email, "password": PASSWORD, "csrf_token": match[1]}
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", "/login", body=urllib.parse.urlencode(form), headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 302, f"login answered {response.status}"
    finally:
        conn.close()


def burst(port: int, pgid: int, logins: int, threads: int, accounts: int) -> tuple[float, float]:
    """``logins`` logins from ``threads`` client threads; (logins/s, server CPU s per login)."""
    todo = iter(range(logins))
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            one_login(port, f"bench{i % accounts}@example.org")

    pool = [threading.Thread(target=client) for _ in range(threads)]
    cpu0, wall0 = group_cpu_seconds(pgid), time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall, cpu = time.perf_counter() - wall0, group_cpu_seconds(pgid) - cpu0
    return logins / wall, cpu / logins


def through_gunicorn(rounds: int, logins: int, accounts: int = 20) -> None:
    print(f"Through course serve (gunicorn, SQLite, OWASP parameters): {rounds} interleaved")
    print(f"rounds of {logins} logins per worker count, 2 client threads per worker")
    with tempfile.TemporaryDirectory() as tmp:
        env = instance_env(Path(tmp) / "instance")
        course(env, "init")
        for i in range(accounts):
            course(env, "create-user", f"bench{i}@example.org", "--password", PASSWORD)
        results: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for _ in range(rounds):
            for workers in (1, 2):
                port = free_port()
                proc = serve(env, port, workers=workers)
                try:
                    one_login(port, "bench0@example.org")  # warm every import
                    results[workers].append(burst(port, proc.pid, logins, 2 * workers, accounts))
                finally:
                    stop(proc)
    for workers, runs in results.items():
        rate = statistics.median(r for r, _ in runs)
        cpu_ms = statistics.median(c for _, c in runs) * 1000
        print(
            f"  {workers} worker{'s' if workers > 1 else ' '}  {rate:6.1f} logins/s (median; "
            f"rounds {', '.join(f'{r:.1f}' for r, _ in runs)}); server CPU {cpu_ms:5.1f} ms "
            f"per login -> {1000 / cpu_ms:5.1f} logins/s per core"
        )
    one, two = (statistics.median(r for r, _ in results[w]) for w in (1, 2))
    print(f"  2 workers / 1 worker: {two / one:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="part 3, 8 logins (CI)")
    parser.add_argument("--only-serve", action="store_true", help="part 3 only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--logins", type=int, default=200)
    args = parser.parse_args()
    if not args.only_serve and not args.quick:
        direct()
        through_app()
    if args.quick:
        through_gunicorn(1, 8, accounts=2)
    else:
        through_gunicorn(args.rounds, args.logins)
