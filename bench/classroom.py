"""A classroom under load (THREATS 38): N learners log in and take the quiz for a while.

Starts the real app (``course serve``, gunicorn, SQLite by default or ``DATABASE_URL``) on
127.0.0.1 with a fresh instance, creates the learners' accounts directly (sign-up is
throttled per address, as it should be), then runs one thread per learner for a bounded
time. Each learner logs in (GET + POST /login with a real password hash check), opens the
course page, starts the quiz and answers its questions one by one as a person would: a
pause between pages (``--think`` seconds on average, seeded), the first option of a
choice question, a year or a word for a typed one. After the run, the number of answers
in the database is compared with the answers the server acknowledged (302 to the
feedback page).

Printed: requests, errors (5xx, connection failures, unexpected statuses), p50/p95/max
latency overall and for logins, logins per second during the login wave, acknowledged
answers and the database's count (lost = acknowledged − stored).

Run: ``.venv/bin/python bench/classroom.py [--learners 200] [--seconds 60] [--workers 2]``.
Loopback only; bounded in learners and time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from course.clock import SystemClock  # noqa: E402
from course.services.accounts import create_user  # noqa: E402
from course.store.attempts import Response  # noqa: E402
from course.store.engine import make_engine, make_sessionmaker  # noqa: E402
from tests.servers import course, free_port, instance_env, serve, stop  # noqa: E402

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"
COURSE_PAGE = "/courses/ww2-soviet-union/"
PASSWORD = "classroom load password"
FORM_ACTION = re.compile(r'<form method="post" action="(/attempts/\d+/questions/\d+)"')
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Tally:
    """Everything the learners saw, shared between threads under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    login_latencies: list[float] = field(default_factory=list)
    login_times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    acknowledged: int = 0

    def record(self, seconds: float, status: int, what: str, expected: set[int]) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if status not in expected:
                self.errors.append(f"{what}: HTTP {status}")


class Learner:
    """One browser: keep-alive connection, cookie jar, its own random pauses."""

    def __init__(self, port: int, index: int, tally: Tally, think: float) -> None:
        self.port = port
        self.email = f"learner{index}@example.org"
        self.tally = tally
        self.think = think
        self.random = random.Random(index)
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self, method: str, path: str, form: dict[str, str] | None, expected: set[int]
    ) -> tuple[int, str, str, float]:
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            with self.tally.lock:
                self.tally.errors.append(f"{method} {path}: {type(exc).__name__}")
            return 0, "", "", time.perf_counter() - started
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        self.tally.record(elapsed, response.status, f"{method} {path}", expected)
        return response.status, response.headers.get("Location", ""), text, elapsed

    def pause(self) -> None:
        time.sleep(self.random.expovariate(1 / self.think) if self.think > 0 else 0)

    def log_in(self) -> bool:
        _, _, page, _ = self.request("GET", "/login", None, {200})
        token = TOKEN.search(page)
        if not token:
            return False
        form = {"email": self.email, "password": PASSWORD, "csrf_token": token.group(1)}
        status, _, _, elapsed = self.request("POST", "/login", form, {302})
        with self.tally.lock:
            self.tally.login_latencies.append(elapsed)
            self.tally.login_times.append(time.perf_counter())
        return status == 302

    def take_quiz(self, deadline: float) -> None:
        _, _, page, _ = self.request("GET", QUIZ, None, {200})
        token = TOKEN.search(page)
        if not token:
            return
        status, location, _, _ = self.request(
            "POST", QUIZ + "/start", {"csrf_token": token.group(1)}, {302}
        )
        if status != 302:
            return
        attempt = urllib.parse.urlsplit(location).path
        while time.perf_counter() < deadline:
            self.pause()
            _, _, page, _ = self.request("GET", attempt, None, {200, 302})
            action, token = FORM_ACTION.search(page), TOKEN.search(page)
            if not action or not token:
                return  # every question answered
            self.pause()
            form = {**self.answer(page), "csrf_token": token.group(1)}
            status, _, _, _ = self.request("POST", action.group(1), form, {302, 400})
            if status == 302:
                with self.tally.lock:
                    self.tally.acknowledged += 1

    def answer(self, page: str) -> dict[str, str]:
        """A plausible answer for whatever the question form asks."""
        fields: dict[str, str] = {}
        for kind, name, value in re.findall(
            r'<input[^>]*type="(radio|checkbox|text)"[^>]*name="(q-[^"]+)"(?:[^>]*value="([^"]*)")?',
            page,
        ):
            if kind in ("radio", "checkbox"):
                fields.setdefault(name, value)
            else:
                fields[name] = self.random.choice(["1945", "Stalin", "27 million", "Zhukov"])
        for name in re.findall(r'<select[^>]*name="(q-[^"]+)"', page):
            fields[name] = "1"
        return fields

    def run(self, start_at: float, deadline: float) -> None:
        time.sleep(max(0.0, start_at - time.perf_counter()))
        if not self.log_in():
            return
        self.pause()
        self.request("GET", COURSE_PAGE, None, {200})
        self.take_quiz(deadline)
        self.conn.close()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=2.0, help="mean pause between pages")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which to log in")
    args = parser.parse_args()
    if not 1 <= args.learners <= 500 or not 1 <= args.seconds <= 600:
        parser.error("keep it bounded: 1–500 learners, 1–600 seconds")

    with tempfile.TemporaryDirectory() as tmp:
        env = instance_env(Path(tmp))
        env["LOG_LEVEL"] = "ERROR"
        if os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]
        course(env, "init")
        database_url = env.get("DATABASE_URL") or f"sqlite:///{tmp}/course.db"
        engine = make_engine(database_url)
        sessions = make_sessionmaker(engine)
        for i in range(args.learners):
            create_user(sessions(), SystemClock(), f"learner{i}@example.org", PASSWORD)
        port = free_port()
        server = serve(env, port, workers=args.workers)
        tally = Tally()
        try:
            began = time.perf_counter()
            deadline = began + args.seconds
            threads = [
                threading.Thread(
                    target=Learner(port, i, tally, args.think).run,
                    args=(began + args.ramp * i / args.learners, deadline),
                )
                for i in range(args.learners)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 120)
            elapsed = time.perf_counter() - began
        finally:
            stop(server)
        with sessions() as session:
            stored = session.scalar(select(func.count()).select_from(Response)) or 0
        engine.dispose()

    wave = (max(tally.login_times) - min(tally.login_times)) if len(tally.login_times) > 1 else 0
    kind = "PostgreSQL" if "postgres" in database_url else "SQLite"
    print(
        f"classroom: {args.learners} learners, {args.workers} workers, {elapsed:.0f} s, "
        f"think {args.think:g} s, database {kind}"
    )
    print(f"requests        {len(tally.latencies)}")
    example = f"  e.g. {tally.errors[:3]}" if tally.errors else ""
    print(f"errors          {len(tally.errors)}{example}")
    print(
        f"latency         p50 {statistics.median(tally.latencies) * 1000:.0f} ms, "
        f"p95 {percentile(tally.latencies, 0.95) * 1000:.0f} ms, "
        f"max {max(tally.latencies) * 1000:.0f} ms"
    )
    print(
        f"logins          {len(tally.login_latencies)}, p95 "
        f"{percentile(tally.login_latencies, 0.95) * 1000:.0f} ms, "
        f"{len(tally.login_times) / wave if wave else 0:.1f} logins/s over the {wave:.1f} s wave"
    )
    print(
        f"answers         acknowledged {tally.acknowledged}, stored {stored}, "
        f"lost {tally.acknowledged - stored}"
    )


if __name__ == "__main__":
    main()
