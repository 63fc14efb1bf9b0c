"""Answer-path throughput through gunicorn, as a ratio to a bare endpoint of the same app.

Starts the real app (``course serve``, gunicorn, SQLite by default or ``DATABASE_URL``)
on 127.0.0.1, signs up learners, starts their attempts, then measures:

* baseline: ``GET /livez`` (the same app, no database, no session);
* answer: ``POST /attempts/<id>/questions/<position>`` (session, CSRF, load attempt, grade,
  insert the response, commit) — each request answers a new question.

Both runs use the same client threads on loopback and a bounded number of requests.
Run: ``.venv/bin/python bench/answer_path.py [--learners 100] [--threads 8]``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from course.clock import SystemClock  # noqa: E402
from course.services.accounts import create_user  # noqa: E402
from course.settings import from_env  # noqa: E402
from course.store.engine import make_engine, make_sessionmaker  # noqa: E402
from tests.factories import answer_path, bundled_questions, form_answer  # noqa: E402
from tests.servers import course, free_port, serve  # noqa: E402

QUIZ = "/courses/ww2-soviet-union/quizzes/soviet-union-ww2-quiz"


class Client:
    """A keep-alive HTTP client with its own cookie jar."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None
    ) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(form or {}, doseq=True) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def token(self, path: str) -> str:
        _, _, html = self.request("GET", path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, path
        return match.group(1)


def create_learners(database_url: str, learners: int) -> None:
    """Accounts are made directly (sign-up is throttled per address, as it should be)."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    for i in range(learners):
        create_user(sessions(), SystemClock(), f"bench{i}@example.org", "benchmark password")
    engine.dispose()


def prepare(port: int, learners: int) -> list[tuple[Client, str, list[tuple[str, dict[str, Any]]]]]:
    questions = bundled_questions(REPO)
    work = []
    for i in range(learners):
        client = Client(port)
        token = client.token("/login")
        status, _, _ = client.request(
            "POST",
            "/login",
            {
                "email": f"bench{i}@example.org",
                "password": "benchmark password",
                "csrf_token": token,
            },
        )
        assert status == 302, status
        token = client.token(QUIZ)
        status, location, _ = client.request("POST", f"{QUIZ}/start", {"csrf_token": token})
        attempt = int(location.rstrip("/").rsplit("/", 1)[-1])
        token = client.token(f"/attempts/{attempt}")
        items = [
            (answer_path(attempt, qid), {**form_answer(q), "csrf_token": token})
            for qid, q in questions.items()
        ]
        work.append((client, token, items))
    return work


def run(
    jobs: list[list[tuple[Client, str, str, dict[str, Any] | None]]],
) -> tuple[float, int, list[float]]:
    """Run each thread's job list; return requests/second, errors and latencies."""
    errors = [0]
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(job: list[tuple[Client, str, str, dict[str, Any] | None]]) -> None:
        local = []
        for client, method, path, form in job:
            began = time.perf_counter()
            status, _, _ = client.request(method, path, form)
            local.append(time.perf_counter() - began)
            if status >= 400:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, errors[0], sorted(latencies)


def p95(values: list[float]) -> float:
    return values[int(len(values) * 0.95) - 1] * 1000 if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=96)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "COURSE_INSTANCE": tmp, "LOG_LEVEL": "WARNING"}
        # DATABASE_URL, when set, is kept: the same run measures PostgreSQL.
        course(env, "init", "--no-demo")
        create_learners(from_env(env).database_url, args.learners)
        server = serve(env, port, workers=args.workers)
        try:
            work = prepare(port, args.learners)
            # Spread learners over threads; each thread answers its learners' questions.
            answer_jobs: list[list[Any]] = [[] for _ in range(args.threads)]
            for i, (client, _token, items) in enumerate(work):
                answer_jobs[i % args.threads].extend((client, "POST", p, f) for p, f in items)
            total = sum(len(job) for job in answer_jobs)
            hello_clients = [Client(port) for _ in range(args.threads)]
            per_thread = total // args.threads
            hello_jobs = [[(c, "GET", "/livez", None)] * per_thread for c in hello_clients]
            hello_rate, hello_errors, hello_lat = run(hello_jobs)
            answer_rate, answer_errors, answer_lat = run(answer_jobs)
        finally:
            server.terminate()
            server.wait(timeout=20)
    database = (
        "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    )
    print(f"database: {database}, gunicorn workers: {args.workers}, client threads: {args.threads}")
    print(
        f"baseline GET /livez : {hello_rate:8.0f} req/s  p95 {p95(hello_lat):6.1f} ms  "
        f"errors {hello_errors}"
    )
    print(
        f"answer POST          : {answer_rate:8.0f} req/s  p95 {p95(answer_lat):6.1f} ms  "
        f"errors {answer_errors}  ({total} answers)"
    )
    print(f"ratio answer/baseline: {answer_rate / hello_rate:.1%}")


if __name__ == "__main__":
    main()
