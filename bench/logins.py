"""Logins per second per core: argon2 parameters, and a login through the app.

Part 1 verifies one password hash over and over with the old parameters (argon2-cffi's
default: 64 MiB, t=3, p=4) and with OWASP's argon2id profile (19 MiB, t=2, p=1), and
reports milliseconds of CPU per verify and verifies per CPU-second (= logins per second
per core). Part 2 logs in through the Flask app (test client, SQLite, CSRF, session
row, throttle counters) with the production parameters, and reports the same figures
against a bare GET of the login page in the same process as the baseline.

CPU time (``time.process_time``) counts every thread, so p=4 is charged for all four
lanes it keeps busy. Run: ``.venv/bin/python bench/logins.py``.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
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


if __name__ == "__main__":
    direct()
    through_app()
