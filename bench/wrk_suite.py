"""The app against a bare Flask "hello", measured with wrk: answers, pages, worker memory.

Every row is a ratio to a baseline measured in the same run, on the same machine:

* the baseline is ``bench/hello_app.py`` (a bare Flask "hello", not the project's app)
  served by gunicorn exactly as ``course serve`` serves the app, with the same number of
  workers; wrk GETs ``/`` of it;
* the app is ``course serve`` on a fresh instance (SQLite, then PostgreSQL in a database
  of its own that is dropped afterwards), with a copy of the bundled course whose quizzes
  allow any number of attempts, so learners can always start new ones;
* runs are interleaved, hello, app, hello, app, …: each app run's ratio is to the mean of
  the hello runs just before and after it; a row's ratio is the median over the rounds;
* the answer rows are wrk with ``bench/wrk/answer.lua``: logged-in learners (session
  cookie from a real login, CSRF token from a real page) answer real questions, each one
  once, so every POST grades, reviews (FSRS) and stores a new response. Before each run
  the suite starts fresh attempts for a pool of answers (untimed) and afterwards checks
  the database: new responses and review logs against the answers wrk saw acknowledged
  (a redirect to the feedback page); a lost answer, an error or a rejection fails the run;
* "whole answer" is the POST and the GET of the feedback page it redirects to, one pair
  per answer (pairs per second);
* worker RSS is read from /proc after the app has handled ``--rss-answers`` answers.

Run: ``.venv/bin/python bench/wrk_suite.py`` (about 8 minutes), ``--quick`` for a
smoke run of a few seconds per database, ``--db sqlite`` for one database, ``--duration``,
``--rounds``, ``--connections``, ``--learners``, ``--rss-answers`` to resize. Loopback
only, free ports, every run bounded in time and requests. Needs wrk (Debian: ``wrk``).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from course.clock import SystemClock  # noqa: E402
from course.content.loader import load_root  # noqa: E402
from course.content.model import AnyQuestion  # noqa: E402
from course.services import attempts, passwords  # noqa: E402
from course.services.accounts import create_user  # noqa: E402
from course.store.attempts import Attempt, Response  # noqa: E402
from course.store.engine import make_engine, make_sessionmaker  # noqa: E402
from course.store.review import ReviewLog  # noqa: E402
from tests.factories import form_answer  # noqa: E402
from tests.servers import free_port, instance_env, serve, stop  # noqa: E402

WRK = REPO / "bench" / "wrk"
HELLO = (sys.executable, str(REPO / "bench" / "hello_app.py"))
PG_ADMIN = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "a long enough benchmark password"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RESULT = "BENCH-RESULT "
WRONG_EVERY = 4  # every 4th answer is wrong: feedback and scheduling differ for those

# The targets (issue 13), per row.
TARGETS = {
    "answer": {"sqlite": "≥ 0.30", "pg": "≥ 0.20"},
    "whole": {"sqlite": "≥ 0.20", "pg": "≥ 0.12"},
    "scale": {"sqlite": "≥ 1.6×", "pg": "≥ 1.8×"},
    "lesson": {"sqlite": "≥ 0.60", "pg": "≥ 0.60"},
    "course": {"sqlite": "≥ 0.40", "pg": "≥ 0.40"},
    "rss": {"sqlite": "≤ 150 MB", "pg": "≤ 150 MB"},
}
DB_NAMES = {"sqlite": "SQLite", "pg": "PostgreSQL"}


_T0 = time.monotonic()


def say(message: str) -> None:
    """Progress, on stderr (the table goes to stdout)."""
    print(f"[{time.monotonic() - _T0:6.1f} s] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A benchmark that did not run as it must: lost answers, errors, rejected requests."""


# --- wrk ---------------------------------------------------------------------------


@dataclass
class Options:
    duration: int
    rounds: int
    connections: int
    threads: int
    warmup: int


@dataclass
class WrkRun:
    """What one wrk run reported (bench/wrk/report.lua)."""

    seconds: float
    counters: dict[str, int]
    statuses: dict[str, int]
    errors: dict[str, int]
    output: str

    def count(self, name: str) -> int:
        return self.counters.get(name, 0)

    def rate(self, done: int) -> float:
        return done / self.seconds


def wrk(
    port: int,
    script: str,
    args: list[str],
    duration: int,
    opts: Options,
    stop_when: Any = None,
) -> WrkRun:
    """Run wrk against 127.0.0.1:``port`` for ``duration`` seconds (at most).

    ``stop_when``, if given, is polled every 0.2 s; when it returns true wrk is
    interrupted (SIGINT: it stops and reports as at the end of its time)."""
    command = [
        "wrk",
        f"-t{opts.threads}",
        f"-c{opts.connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(WRK / script),
        f"http://127.0.0.1:{port}",
        "--",
        *args,
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=WRK
    )
    deadline = time.monotonic() + duration + 60
    try:
        while stop_when is not None and proc.poll() is None and time.monotonic() < deadline:
            if stop_when():
                proc.send_signal(signal.SIGINT)
                break
            time.sleep(0.2)
        out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    line = next((x for x in out.splitlines() if x.startswith(RESULT)), None)
    if line is None:
        raise BenchError(f"wrk reported no result (exit {proc.returncode}):\n{out}")
    data = json.loads(line[len(RESULT) :])
    run = WrkRun(data["duration_us"] / 1e6, data["counters"], data["statuses"], data["errors"], out)
    socket_errors = {k: v for k, v in run.errors.items() if k != "status" and v}
    if socket_errors:
        raise BenchError(f"wrk saw socket errors {socket_errors}:\n{out}")
    return run


def get_rate(port: int, path: str, duration: int, opts: Options) -> float:
    """Successful GETs of ``path`` per second; anything but a 2xx fails the run."""
    run = wrk(port, "get.lua", [path], duration, opts)
    if run.count("ok") != run.count("responded") or run.count("ok") == 0:
        raise BenchError(f"GET {path}: statuses {run.statuses}")
    return run.rate(run.count("ok"))


# --- servers and instances ---------------------------------------------------------


@dataclass
class Server:
    label: str
    port: int
    workers: int
    proc: subprocess.Popen[bytes]
    answers: int = 0  # answers this server acknowledged so far


def start(label: str, env: dict[str, str], workers: int, hello: bool = False) -> Server:
    port = free_port()
    proc = serve(env, port, workers=workers, command=HELLO) if hello else serve(env, port, workers)
    return Server(label, port, workers, proc)


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name (field 3 onwards)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def workers_of(server: Server) -> list[int]:
    """The gunicorn workers: the children of the server's master."""
    pid = server.proc.pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        return [int(p) for p in children.read_text().split()]
    found = []  # kernels without CONFIG_PROC_CHILDREN
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            if entry.name.isdigit() and int(_stat(int(entry.name))[1]) == pid:
                found.append(int(entry.name))
    return found


def worker_rss_mb(server: Server) -> list[float]:
    """VmRSS of each gunicorn worker, in MB."""
    sizes = []
    for worker in workers_of(server):
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{worker}/status").read_text()
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if match:
                sizes.append(int(match.group(1)) / 1024)
    return sizes


def worker_cpu_ticks(server: Server) -> int:
    """User + system CPU time of the workers, in clock ticks."""
    total = 0
    for worker in workers_of(server):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = _stat(worker)
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total


class Browser:
    """A keep-alive HTTP client with its own cookie jar (gunicorn closes the connection
    after each response; http.client reopens it)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> str:
        headers = {"Cookie": self.cookie()}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        if response.status >= 400:
            raise BenchError(f"{method} {path}: {response.status}")
        return text

    def token(self, path: str) -> str:
        match = TOKEN.search(self.request("GET", path))
        if not match:
            raise BenchError(f"no CSRF token on {path}")
        return match.group(1)

    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


@dataclass
class Learner:
    user_id: int
    email: str
    cookie: str = ""
    token: str = ""


@dataclass
class Quiz:
    slug: str
    questions: list[AnyQuestion]


@dataclass
class Instance:
    """One database with the bench course, its learners and the answers prepared for them."""

    key: str  # "sqlite" or "pg"
    env: dict[str, str]
    database_url: str
    course_id: str
    lesson: str
    quizzes: list[Quiz]
    engine: Engine
    sessions: sessionmaker[Session]
    learners: list[Learner] = field(default_factory=list)
    open: dict[tuple[int, int], int] = field(default_factory=dict)  # (learner, quiz) → attempt

    @property
    def capacity(self) -> int:
        """Answers one pool can hold: one open attempt per learner and quiz."""
        return len(self.learners) * sum(len(q.questions) for q in self.quizzes)

    def create_learners(self, count: int) -> None:
        # Hashed at argon2's minimum cost (the login upgrades it): setup, not measured.
        passwords.configure(passwords.MINIMUM)
        for i in range(count):
            email = f"bench-learner-{i}@example.org"
            account = create_user(self.sessions(), SystemClock(), email, PASSWORD)
            self.learners.append(Learner(account.id, email))

    def log_in(self, port: int) -> None:
        """A real login per learner; its cookie and a CSRF token from a real page."""
        quiz_page = f"/courses/{self.course_id}/quizzes/{self.quizzes[0].slug}"
        for learner in self.learners:
            browser = Browser(port)
            token = browser.token("/login")
            form = {"email": learner.email, "password": PASSWORD, "csrf_token": token}
            browser.request("POST", "/login", form)
            learner.token = browser.token(quiz_page)
            learner.cookie = browser.cookie()
            browser.conn.close()

    def prepare(self, answers: int, path: Path) -> int:
        """Write a pool of ``answers`` new answers (path, cookie, form) to ``path``, one
        per line, learners interleaved; return how many.

        The questions not yet answered in the learners' open attempts come first (the
        database says which); attempts answered through are submitted, and new ones
        started in their place. Call it only when the server is idle (:meth:`settle`)."""
        clock = SystemClock()
        with self.sessions() as session:
            remaining = self._unanswered(session)
            for slot, positions in list(remaining.items()):
                if not positions:
                    user_id = self.learners[slot[0]].user_id
                    attempts.submit_attempt(session, clock, user_id, self.open[slot])
                    del self.open[slot], remaining[slot]
            available = sum(len(p) for p in remaining.values())
            for quiz_index, quiz in enumerate(self.quizzes):
                for learner_index, learner in enumerate(self.learners):
                    slot = (learner_index, quiz_index)
                    if available >= answers or slot in self.open:
                        continue
                    self.open[slot] = attempts.start_attempt(
                        session, clock, learner.user_id, self.course_id, quiz.slug
                    )
                    remaining[slot] = list(range(1, len(quiz.questions) + 1))
                    available += len(quiz.questions)
        per_learner: list[list[str]] = [[] for _ in self.learners]
        for (learner_index, quiz_index), positions in sorted(remaining.items()):
            learner, quiz = self.learners[learner_index], self.quizzes[quiz_index]
            attempt = self.open[(learner_index, quiz_index)]
            for position in positions:
                right = position % WRONG_EVERY != 0
                question = quiz.questions[position - 1]
                form = form_answer(question, right=right, key=str(position))
                body = urllib.parse.urlencode({**form, "csrf_token": learner.token}, doseq=True)
                per_learner[learner_index].append(
                    f"/attempts/{attempt}/questions/{position}\t{learner.cookie}\t{body}"
                )
        lines = [line for group in _interleave(per_learner) for line in group][:answers]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return len(lines)

    def _unanswered(self, session: Session) -> dict[tuple[int, int], list[int]]:
        """(learner, quiz) → positions not answered yet, for every open attempt."""
        if not self.open:
            return {}
        ids = list(self.open.values())
        order: dict[int, list[int]] = {
            aid: list(qids)
            for aid, qids in session.execute(
                select(Attempt.id, Attempt.question_ids).where(Attempt.id.in_(ids))
            )
        }
        answered: dict[int, set[int]] = {aid: set() for aid in ids}
        for aid, qid in session.execute(
            select(Response.attempt_id, Response.question_id).where(Response.attempt_id.in_(ids))
        ):
            answered[aid].add(qid)
        session.rollback()
        return {
            slot: [i + 1 for i, qid in enumerate(order[aid]) if qid not in answered[aid]]
            for slot, aid in self.open.items()
        }

    def settle(self, server: Server) -> tuple[int, int]:
        """Wait until requests cut off at the end of a wrk run are done with: the counts
        and the workers' CPU time stay the same for half a second (at most 30 s). Return
        :meth:`stored`."""
        last = (self.stored(), worker_cpu_ticks(server))
        since = time.monotonic()
        deadline = since + 30
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = (self.stored(), worker_cpu_ticks(server))
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= 0.5:
                break
        return last[0]

    def stored(self) -> tuple[int, int]:
        """(responses, review logs) in the database."""
        with self.sessions() as session:
            responses = session.scalar(select(func.count()).select_from(Response)) or 0
            logs = session.scalar(select(func.count()).select_from(ReviewLog)) or 0
        return responses, logs


def _interleave(groups: list[list[str]]) -> Iterator[list[str]]:
    """Round-robin over the groups: one item of each in turn."""
    longest = max((len(g) for g in groups), default=0)
    for i in range(longest):
        yield [g[i] for g in groups if i < len(g)]


def bench_content(root: Path) -> Path:
    """A copy of the bundled course whose quizzes allow any number of attempts and keep
    their order (so a question's position is known without reading the attempt)."""
    for part in ("lessons", "quizzes", "media"):
        shutil.copytree(REPO / part, root / part)
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    for quiz in (root / "quizzes").glob("*.yaml"):
        text = quiz.read_text(encoding="utf-8")
        text = re.sub(r"^attempts:.*\n", "", text, flags=re.M)
        text = re.sub(r"^shuffle: true$", "shuffle: false", text, flags=re.M)
        quiz.write_text(text, encoding="utf-8")
    return root


@contextlib.contextmanager
def pg_database() -> Iterator[str | None]:
    """A database of our own on the local PostgreSQL (``bench_<pid>_<random>``), dropped
    afterwards; None when the server cannot be reached."""
    name = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        print(f"PostgreSQL at {PG_ADMIN} is not reachable: {exc}".strip())
        yield None
        return
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def open_instance(key: str, tmp: Path, database_url: str | None) -> Instance:
    """The instance's settings and the bench course; the first `course serve` creates the
    database and loads the course."""
    content = bench_content(tmp / "content")
    env = instance_env(tmp / f"instance-{key}", content)
    if database_url:
        env["DATABASE_URL"] = database_url
    bundle, report = load_root(content)
    assert bundle is not None, report.lines()
    url = database_url or f"sqlite:///{tmp / f'instance-{key}' / 'course.db'}"
    # The suite's own writes (accounts, attempts) need no fsync per commit.
    engine = make_engine(url, sqlite_synchronous="NORMAL")
    return Instance(
        key,
        env,
        url,
        bundle.course.id,
        bundle.lessons[0].id,
        [Quiz(q.id, list(q.questions)) for q in bundle.quizzes],
        engine,
        make_sessionmaker(engine),
    )


# --- answering ---------------------------------------------------------------------


@dataclass
class Answered:
    rate: float  # acknowledged answers (or whole answers) per second
    acknowledged: int
    stored: int
    cut_off: int  # requests wrk sent but never saw answered (stopped in flight at the end)
    exhausted: bool


def answer_run(
    instance: Instance,
    server: Server,
    mode: str,
    pool_size: int,
    duration: int,
    opts: Options,
    pool_file: Path,
    until_all_stored: bool = False,
) -> Answered:
    """One wrk run of answers from a fresh pool; the database is checked afterwards."""
    pool = instance.prepare(pool_size, pool_file)
    before = instance.stored()
    progress = [0, time.monotonic()]  # answers stored, when that count last changed

    def all_stored() -> bool:
        """The pool was sent and the server is done with it: all stored, or all but the
        requests a stopped wrk thread may have cut off, with nothing new for a second."""
        stored = instance.stored()[0] - before[0]
        now = time.monotonic()
        if stored != progress[0]:
            progress[:] = [stored, now]
        in_flight = opts.threads * opts.connections
        return stored >= pool or (stored >= pool - in_flight and now - progress[1] > 1.0)

    run = wrk(
        server.port,
        "answer.lua",
        [str(pool_file), mode, str(opts.threads)],
        duration,
        opts,
        stop_when=all_stored if until_all_stored else None,
    )
    after = instance.settle(server)
    ok, redirects, gets = run.count("ok"), run.count("redirects"), run.count("gets")
    # With redirects, a 2xx is the feedback page; an app that answers with the feedback
    # itself sends no GET, and its 2xx are the answers.
    acknowledged = redirects if (mode == "whole" and gets) else ok + redirects
    done = ok if mode == "whole" else acknowledged
    cut_off = run.count("sent") - run.count("responded")
    stored, logs = after[0] - before[0], after[1] - before[1]
    where = f"{DB_NAMES[instance.key]} {mode} on {server.label}"
    if run.count("rejected"):
        raise BenchError(f"{where}: rejected requests, statuses {run.statuses}\n{run.output}")
    if not acknowledged:
        raise BenchError(f"{where}: no answer acknowledged, statuses {run.statuses}")
    if not acknowledged <= stored <= acknowledged + cut_off:
        raise BenchError(
            f"{where}: ROW COUNT MISMATCH: wrk saw {acknowledged} answers acknowledged "
            f"({cut_off} cut off in flight) but the database has {stored} new responses"
        )
    if logs != stored:
        raise BenchError(f"{where}: {stored} new responses but {logs} new review logs")
    server.answers += stored
    return Answered(run.rate(done), acknowledged, stored, cut_off, bool(run.count("exhausted")))


@dataclass
class Rows:
    """Measured rates per row, per round, in the order they were measured."""

    rates: dict[str, list[float]] = field(default_factory=dict)
    acknowledged: dict[str, int] = field(default_factory=dict)
    stored: dict[str, int] = field(default_factory=dict)
    cut_off: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, rate: float) -> None:
        self.rates.setdefault(name, []).append(rate)

    def tally(self, db: str, answered: Answered) -> None:
        self.acknowledged[db] = self.acknowledged.get(db, 0) + answered.acknowledged
        self.stored[db] = self.stored.get(db, 0) + answered.stored
        self.cut_off[db] = self.cut_off.get(db, 0) + answered.cut_off


class Measure:
    """Runs the interleaved measurements of one database."""

    def __init__(
        self,
        instance: Instance,
        apps: dict[int, Server],
        hellos: dict[int, Server],
        opts: Options,
        pool_file: Path,
    ) -> None:
        self.instance, self.apps, self.hellos, self.opts = instance, apps, hellos, opts
        self.rows = Rows()
        self.pool_file = pool_file
        self.estimate: dict[str, float] = {}  # best answer rate seen per (mode, workers)

    def hello(self, workers: int) -> float:
        rate = get_rate(self.hellos[workers].port, "/", self.opts.duration, self.opts)
        self.rows.add(f"hello{workers}", rate)
        return rate

    def answers(self, mode: str, workers: int, hello_rate: float, duration: int) -> float:
        """Answers per second in one run sized from the best rate seen (or, at first, the
        hello rate, which an answer does not beat); a pool that ran out is run again
        larger, as its time would include idle time."""
        key = f"{mode}{workers}"
        server = self.apps[workers]
        guess = self.estimate.get(key, hello_rate)
        size = math.ceil(1.5 * guess * duration) + 4 * self.opts.connections
        for _ in range(3):
            size = min(size, self.instance.capacity)
            answered = answer_run(
                self.instance, server, mode, size, duration, self.opts, self.pool_file
            )
            self.rows.tally(self.instance.key, answered)
            if not answered.exhausted:
                self.estimate[key] = max(self.estimate.get(key, 0.0), answered.rate)
                return answered.rate
            if size >= self.instance.capacity:
                break
            size *= 2
        raise BenchError(
            f"{key}: {self.instance.capacity} prepared answers ran out within {duration} s; "
            "use more --learners or a shorter --duration"
        )

    def warm_up(self) -> None:
        if not self.opts.warmup:
            return
        for workers in sorted(self.apps):
            hello = get_rate(self.hellos[workers].port, "/", self.opts.warmup, self.opts)
            self.answers("answer", workers, hello, self.opts.warmup)
        self.estimate.clear()

    def round(self, pages: bool) -> None:
        """hello, app, hello, app, …, hello for the main worker count, then the same for
        one worker (answers only)."""
        main = max(self.apps)
        steps: list[tuple[str, Any]] = [
            ("answer", lambda h: self.answers("answer", main, h, self.opts.duration)),
            ("whole", lambda h: self.answers("whole", main, h, self.opts.duration)),
        ]
        if pages:
            course_page = f"/courses/{self.instance.course_id}/"
            lesson_page = f"{course_page}lessons/{self.instance.lesson}"
            port = self.apps[main].port
            steps += [
                ("lesson", lambda _h: get_rate(port, lesson_page, self.opts.duration, self.opts)),
                ("course", lambda _h: get_rate(port, course_page, self.opts.duration, self.opts)),
            ]
        self.interleave(main, steps)
        if 1 in self.apps and main != 1:
            self.interleave(
                1, [("answer", lambda h: self.answers("answer", 1, h, self.opts.duration))]
            )

    def interleave(self, workers: int, steps: list[tuple[str, Any]]) -> None:
        before = self.hello(workers)
        for name, step in steps:
            rate = step(before)
            after = self.hello(workers)
            self.rows.add(f"{name}{workers}", rate)
            self.rows.add(f"{name}{workers}/hello", rate / ((before + after) / 2))
            before = after

    def rss(self, answers: int) -> tuple[int, list[float]]:
        """Answer until the main server has handled ``answers`` (the runs so far count);
        the answers it handled and its workers' RSS."""
        server = self.apps[max(self.apps)]
        in_flight = self.opts.threads * self.opts.connections
        while server.answers < answers:
            # Never a pool so small that wrk's first requests already exhaust it.
            size = min(self.instance.capacity, max(answers - server.answers, 50 * in_flight))
            answered = answer_run(
                self.instance,
                server,
                "answer",
                size,
                600,
                self.opts,
                self.pool_file,
                until_all_stored=True,
            )
            self.rows.tally(self.instance.key, answered)
        return server.answers, worker_rss_mb(server)


# --- report ------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


@dataclass
class Result:
    """One row of the table (and of ``--json``)."""

    row: str  # answer, whole, scale, lesson, course or rss
    what: str
    db: str
    app: float  # the app's rate (answers, whole answers or pages per second); RSS in MB
    base: float | None  # the baseline's rate, None for RSS
    ratio: float | None  # None for RSS
    target: str
    baseline: str
    unit: str = ""  # "×" for the worker scaling row


def results_for(db: str, rows: Rows, workers: int, rss: tuple[int, list[float]]) -> list[Result]:
    name = DB_NAMES[db]
    hello = f"hello, {workers} workers"
    rates = rows.rates
    hello_main = median(rates[f"hello{workers}"])

    def against_hello(key: str, what: str, target: str) -> Result:
        return Result(
            key,
            what,
            db,
            median(rates[f"{key}{workers}"]),
            hello_main,
            median(rates[f"{key}{workers}/hello"]),
            target,
            hello,
        )

    out = [
        against_hello("answer", f"answer submit, {name}", TARGETS["answer"][db]),
        against_hello("whole", f"whole answer (POST + feedback GET), {name}", TARGETS["whole"][db]),
    ]
    if "answer1" in rates and workers != 1:
        many, one = median(rates[f"answer{workers}"]), median(rates["answer1"])
        hellos = median(rates[f"hello{workers}"]) / median(rates["hello1"])
        out.append(
            Result(
                "scale",
                f"{workers} workers ÷ 1 worker, {name} answers",
                db,
                many,
                one,
                many / one,
                TARGETS["scale"][db],
                f"the app, 1 worker (hello scales {hellos:.2f}×)",
                "×",
            )
        )
    for page in ("lesson", "course"):
        if f"{page}{workers}" in rates:
            out.append(against_hello(page, f"{page} page, anonymous, {name}", TARGETS[page][db]))
    answered, sizes = rss
    out.append(
        Result(
            "rss",
            f"worker RSS after {answered:,} answers, {name}",
            db,
            max(sizes, default=math.nan),
            None,
            None,
            TARGETS["rss"][db],
            "absolute, the largest worker (hello's below)",
        )
    )
    return out


def print_table(results: list[Result]) -> None:
    header = ("what", "app req/s", "baseline req/s", "ratio", "target", "baseline")
    table = [header]
    for r in results:
        if r.ratio is None:  # worker RSS
            table.append((r.what, f"{r.app:.0f} MB", "", "", r.target, r.baseline))
        else:
            ratio = f"{r.ratio:.2f}×" if r.unit else f"{r.ratio:.3f}"
            base = f"{r.base:,.0f}" if r.base is not None else ""
            table.append((r.what, f"{r.app:,.0f}", base, ratio, r.target, r.baseline))
    print_columns(table, left=(0, 5))


def print_columns(table: list[tuple[str, ...]], left: tuple[int, ...]) -> None:
    """A header row and rows as aligned columns (``left``: the left-aligned ones)."""
    widths = [max(len(row[k]) for row in table) for k in range(len(table[0]))]
    for i, row in enumerate(table):
        cells = [
            c.ljust(w) if k in left else c.rjust(w)
            for k, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


# --- main --------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 s runs, 1 round")
    parser.add_argument("--db", default="sqlite,pg", help="sqlite, pg or both (default)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 5)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per server (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--learners", type=int, help="learners per database (default 150; 48 with --quick)"
    )
    parser.add_argument(
        "--rss-answers", type=int, help="answers before reading worker RSS (default 36000)"
    )
    parser.add_argument("--no-pages", action="store_true", help="skip the page rows")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    quick = {"duration": 1, "rounds": 1, "warmup": 0, "learners": 48, "rss_answers": 0}
    full = {"duration": 5, "rounds": 3, "warmup": 2, "learners": 150, "rss_answers": 36000}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for name in ("duration", "rounds", "connections", "threads", "workers", "learners"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    args.db = [d.strip() for d in args.db.split(",") if d.strip()]
    if not args.db or any(d not in DB_NAMES for d in args.db):
        parser.error("--db takes sqlite, pg or sqlite,pg")
    return args


def bench_database(
    key: str,
    database_url: str | None,
    tmp: Path,
    hellos: dict[int, Server],
    args: argparse.Namespace,
    opts: Options,
) -> tuple[list[Result], Rows]:
    say(f"{DB_NAMES[key]}: starting the app servers")
    instance = open_instance(key, tmp, database_url)
    apps: dict[int, Server] = {}
    try:
        for workers in sorted({args.workers, 1}, reverse=True):
            apps[workers] = start(f"app, {workers} workers", instance.env, workers)
        say(f"{DB_NAMES[key]}: {args.learners} learners log in")
        instance.create_learners(args.learners)
        instance.log_in(apps[args.workers].port)
        measure = Measure(instance, apps, hellos, opts, tmp / "pool.tsv")
        say(f"{DB_NAMES[key]}: warm-up")
        measure.warm_up()
        for i in range(args.rounds):
            say(f"{DB_NAMES[key]}: round {i + 1} of {args.rounds}")
            measure.round(pages=key == "sqlite" and not args.no_pages)
        say(f"{DB_NAMES[key]}: answering up to {args.rss_answers:,} answers for worker RSS")
        rss = measure.rss(args.rss_answers)
        say(f"{DB_NAMES[key]}: done")
        return results_for(key, measure.rows, args.workers, rss), measure.rows
    finally:
        for server in apps.values():
            stop(server.proc)
        instance.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quick:
        say(
            "--quick: these numbers only prove the suite runs; they are not comparable "
            "with other runs (quick or full)"
        )
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    opts = Options(args.duration, args.rounds, args.connections, args.threads, args.warmup)
    results: list[Result] = []
    checks: dict[str, dict[str, int]] = {}
    skipped: list[str] = []
    hellos: dict[int, Server] = {}
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            say("starting the hello servers")
            for workers in sorted({args.workers, 1}):
                hellos[workers] = start(
                    f"hello, {workers} workers", instance_env(tmp / "hello"), workers, hello=True
                )
            for key in args.db:
                with contextlib.ExitStack() as stack:
                    url = stack.enter_context(pg_database()) if key == "pg" else None
                    if key == "pg" and url is None:
                        skipped.append(f"PostgreSQL rows SKIPPED: {PG_ADMIN} is not reachable")
                        continue
                    found, rows = bench_database(key, url, tmp / key, hellos, args, opts)
                results += found
                checks[key] = {
                    "acknowledged": rows.acknowledged[key],
                    "stored": rows.stored[key],
                    "cut_off": rows.cut_off[key],
                }
            hello_rss = worker_rss_mb(hellos[args.workers])
        finally:
            for server in hellos.values():
                stop(server.proc)
    print(
        f"\nwrk -t{opts.threads} -c{opts.connections}, {opts.rounds} round(s) of "
        f"{opts.duration} s runs, interleaved; gunicorn as `course serve`, "
        f"{args.workers} workers unless named.\nBaseline: bench/hello_app.py, a bare Flask "
        "hello (GET /) served the same way; ratio = median over rounds of app ÷ mean of the "
        "hello runs before and after it.\n"
    )
    print_table(results)
    print(f"\nhello worker RSS: {' / '.join(f'{mb:.0f} MB' for mb in hello_rss)}\n")
    for key, check in checks.items():
        print(
            f"{DB_NAMES[key]}: {check['acknowledged']:,} answers acknowledged, "
            f"{check['stored']:,} stored ({check['cut_off']} requests cut off in flight at "
            "the ends of runs): every run's rows match"
        )
    for line in skipped:
        print(line)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "results": [r.__dict__ for r in results],
                    "checks": checks,
                    "skipped": skipped,
                    "hello_rss_mb": hello_rss,
                },
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"\n!!! BENCHMARK FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
