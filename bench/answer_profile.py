"""Where an answer's time goes, in-process: the app's WSGI callable called directly.

wrk (``bench/wrk_suite.py``) measures what a learner gets through gunicorn; this script
takes gunicorn, sockets and the client out of the picture so a change of a few percent
to the answer path can be seen on a busy machine, and it names the parts.

Baseline: a bare Flask "hello" (``bench/hello_app.py``'s app), its WSGI callable called
the same way in the same process, timed before and after the app's rounds. Printed: the
microseconds per request of each, and hello ÷ app (the share of a core one answer
leaves to hello requests), by wall time and by this process's CPU time (which leaves
out waiting for the disk, such as SQLite's fsync at COMMIT: with two workers, one
worker's wait is the other's CPU time). Hello is measured by wall time; it does no I/O.
Rows:

* answer POST: a logged-in learner's new answer (session cookie from a real login, CSRF
  token from a real page), graded, scheduled and stored; every answer a new one;
* feedback GET: the page that answer redirects to;
* with ``--parts``: the same answers again with the main parts timed by wrappers
  (statements, commits, session and CSRF checks, templates).

``--db pg`` runs on a PostgreSQL database of its own (created and dropped). Each answer
is checked to be stored (302) and each page served (200); anything else fails the run.

    .venv/bin/python bench/answer_profile.py [--answers 3000] [--db sqlite|pg] [--parts]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import hello_app  # noqa: E402
import wrk_suite  # noqa: E402

from tests.servers import free_port, serve, stop  # noqa: E402

WARM = 300  # requests of each kind before timing


def environ(method: str, path: str, cookie: str = "", body: str = "") -> dict[str, Any]:
    """A WSGI environ as gunicorn builds it for a request on loopback."""
    data = body.encode()
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if cookie:
        env["HTTP_COOKIE"] = cookie
    if method == "POST":
        env["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        env["CONTENT_LENGTH"] = str(len(data))
    return env


def call(app: Callable[..., Any], env: dict[str, Any]) -> str:
    """One request through ``app``; its status line."""
    started: list[str] = []
    body = app(env, lambda status, headers, *_: started.append(status))
    try:
        b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return started[0]


def hello_us(rounds: int = 5, count: int = 3000) -> float:
    """Median µs per GET / of the bare hello app."""
    app = hello_app.app.wsgi_app
    for _ in range(WARM):
        call(app, environ("GET", "/"))
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            call(app, environ("GET", "/"))
        runs.append((time.perf_counter() - start) / count * 1e6)
    return statistics.median(runs)


class Parts:
    """Wall time of named functions, by wrapping them for the duration."""

    def __init__(self) -> None:
        self.spent: collections.Counter[str] = collections.Counter()
        self.calls: collections.Counter[str] = collections.Counter()
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter_ns()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter_ns() - start
                self.calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def undo(self) -> None:
        for step in reversed(self._undo):
            step()
        self._undo.clear()


def wrap_parts(parts: Parts) -> None:
    import flask.app
    import flask.templating
    import sqlalchemy.engine.default as default

    from course.services import answering
    from course.services import attempts as attempt_service
    from course.store import attempts as attempt_store
    from course.web import cookie_session, extensions

    parts.wrap(flask.app.Flask, "preprocess_request", "before-request hooks (CSRF, guard)")
    parts.wrap(flask.app.Flask, "finalize_request", "after-request hooks, session save")
    parts.wrap(cookie_session.VerifiedCookieSessions, "open_session", "session cookie")
    parts.wrap(type(extensions.csrf), "protect", "CSRF check")
    parts.wrap(attempt_service, "submit_answer", "answer use case")
    parts.wrap(attempt_store, "answer_context", "answer read (login + context)")
    parts.wrap(attempt_service, "_write", "answer writes (without COMMIT)")
    parts.wrap(answering, "grade", "grading")
    parts.wrap(answering, "plan_review", "FSRS scheduling")
    parts.wrap(attempt_service, "attempt_page", "feedback page use case")
    parts.wrap(flask.templating, "_render", "templates")
    parts.wrap(default.DefaultDialect, "do_execute", "driver: statements")
    parts.wrap(default.DefaultDialect, "do_commit", "driver: COMMIT")


class Traffic:
    """The prepared answers and their feedback pages, sent to the app's WSGI callable."""

    def __init__(self, app: Callable[..., Any], lines: list[str]) -> None:
        self.app = app
        self.answers = [line.split("\t") for line in lines]
        self.pages = [
            (f"/attempts/{path.split('/')[2]}?answered={path.split('/')[4]}", cookie)
            for path, cookie, _ in self.answers
        ]

    def answer(self, i: int) -> None:
        path, cookie, body = self.answers[i]
        status = call(self.app, environ("POST", path, cookie, body))
        if not status.startswith("302"):
            raise SystemExit(f"answer {path} got {status}")

    def page(self, i: int) -> None:
        path, cookie = self.pages[i]
        status = call(self.app, environ("GET", path, cookie))
        if not status.startswith("200"):
            raise SystemExit(f"feedback page {path} got {status}")


def prepare(args: argparse.Namespace, database_url: str | None, tmp: Path) -> Traffic:
    """An instance with the bench course, learners logged in, and a pool of answers."""
    key = "pg" if database_url else "sqlite"
    instance = wrk_suite.open_instance(key, tmp, database_url)
    port = free_port()
    server = serve(instance.env, port, 1)  # creates the database, loads the course
    try:
        instance.create_learners(args.learners)
        instance.log_in(port)
    finally:
        stop(server)
    wanted = WARM + args.answers * (2 if args.parts else 1)
    pool = tmp / "pool.tsv"
    made = instance.prepare(wanted, pool)
    if made < wanted:
        raise SystemExit(f"only {made} answers could be prepared; use more --learners")
    os.environ.update(instance.env)
    from course.web.app import create_app

    return Traffic(create_app().wsgi_app, pool.read_text(encoding="utf-8").splitlines())


def run(args: argparse.Namespace, database_url: str | None, tmp: Path) -> None:
    traffic = prepare(args, database_url, tmp)
    for i in range(WARM):
        traffic.answer(i)
        traffic.page(i)
    hello_before = hello_us()
    post_ns = get_ns = post_cpu = get_cpu = 0
    wall, cpu = time.perf_counter_ns, time.process_time_ns
    for i in range(WARM, WARM + args.answers):
        start, start_cpu = wall(), cpu()
        traffic.answer(i)
        middle, middle_cpu = wall(), cpu()
        traffic.page(i)
        post_ns += middle - start
        get_ns += wall() - middle
        post_cpu += middle_cpu - start_cpu
        get_cpu += cpu() - middle_cpu
    hello_after = hello_us()
    hello = (hello_before + hello_after) / 2
    post, get = post_ns / args.answers / 1000, get_ns / args.answers / 1000
    cpu_of = {"post": post_cpu / args.answers / 1000, "get": get_cpu / args.answers / 1000}
    name = wrk_suite.DB_NAMES["pg" if database_url else "sqlite"]
    print(f"\n{name}: {args.answers:,} answers, each followed by its feedback page, in-process")
    print(
        f"  bare Flask hello, GET /     {hello:8.0f} µs"
        f"  (before {hello_before:.0f}, after {hello_after:.0f})"
    )
    for what, spent, used in (
        ("answer POST", post, cpu_of["post"]),
        ("feedback GET", get, cpu_of["get"]),
        ("whole answer (POST + GET)", post + get, cpu_of["post"] + cpu_of["get"]),
    ):
        print(
            f"  {what:26s}  {spent:8.0f} µs  hello ÷ this = {hello / spent:.3f}"
            f"   (CPU {used:5.0f} µs: hello ÷ this = {hello / used:.3f})"
        )
    if args.parts:
        report_parts(args, traffic)


def report_parts(args: argparse.Namespace, traffic: Traffic) -> None:
    parts = Parts()
    wrap_parts(parts)
    try:
        for i in range(WARM + args.answers, WARM + 2 * args.answers):
            traffic.answer(i)
            traffic.page(i)
    finally:
        parts.undo()
    print("\n  parts, µs per answer + page (wall time, wrappers included; parts nest):")
    for label, spent in sorted(parts.spent.items(), key=lambda item: -item[1]):
        per = spent / args.answers / 1000
        print(f"    {per:8.1f} µs  {parts.calls[label] / args.answers:5.2f} calls  {label}")


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    if kind == "sqlite":
        yield None
        return
    with wrk_suite.pg_database() as url:
        if url is None:
            raise SystemExit("PostgreSQL is not reachable")
        yield url.replace("postgresql://", "postgresql+psycopg://", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=3000, help="timed answers (3000)")
    parser.add_argument("--learners", type=int, default=120, help="learners (120)")
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--parts", action="store_true", help="also time the main parts")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-answer-") as tmp, database(args.db) as url:
        run(args, url, Path(tmp))


if __name__ == "__main__":
    main()
