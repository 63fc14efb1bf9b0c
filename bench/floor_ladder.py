"""The stack's floor, rung by rung: what an answer POST can cost at least with Flask,
flask-login, flask-wtf, SQLite or PostgreSQL, fsrs and SQLAlchemy, measured with wrk
against a bare Flask "hello" in the same run.

Issue 13 asks for the answer POST at ≥ 0.30 of a bare Flask hello under the same
gunicorn settings on SQLite, ≥ 0.20 on PostgreSQL. The project's app is measured by
``bench/wrk_suite.py``; this benchmark measures small apps that use none of the project's
code (``bench/ladder_apps.py`` says exactly what each does), each one layer above the one
before:

1. ``post-nothing``: a POST with a small form body, a short text back;
2. ``floor``: a whole answer on the bare stack: session cookie, flask-login user loaded by
   id, flask-wtf CSRF, the card read, graded, one fsrs review, three writes in one
   ``BEGIN IMMEDIATE`` transaction, a small HTML feedback page; SQLite (WAL,
   ``synchronous=FULL`` as the project's default) through ``sqlite3`` on a connection
   kept per worker;
3. ``sqlalchemy-core``: the same through a SQLAlchemy 2 ``Engine`` (``QueuePool``, a
   connection per request) and Core statements;
4. ``sqlalchemy-orm``: the same through an ORM ``Session`` per request.

With ``--db pg`` the database rungs run on PostgreSQL (``PG_ADMIN_URL``, by default
``postgresql://postgres@127.0.0.1:5432/test``): each rung gets a database of its own,
created for the run (``bench_<pid>_<random>``, by ``wrk_suite.pg_database``) and dropped
after it, with the same tables (``SERIAL`` ids; the cards' primary key is the upsert's
conflict target). ``floor`` is then a psycopg 3 connection kept per worker in
autocommit mode: the user read (flask-login), the card read and ONE write statement, the
response insert, the card upsert and the log insert as data-modifying CTEs (``WITH r AS
(INSERT … RETURNING id), c AS (INSERT … ON CONFLICT … DO UPDATE … RETURNING …) INSERT INTO
review_logs … SELECT … FROM r, c``): three round trips, the fewest an answer can take.
``--pg-writes transaction`` writes instead with ``BEGIN``, three statements, ``COMMIT``
(seven round trips), for comparison. The SQLAlchemy rungs send the same statements
through a ``postgresql+psycopg`` engine whose connections are in autocommit mode too, so
each step is the layer's own cost, not extra round trips.

**Baseline**: ``bench/hello_app.py`` (a bare Flask "hello", GET ``/``), served like every
rung by the project's own ``course.cli.server.run_gunicorn`` with only the WSGI app
swapped, so all have ``course serve``'s gunicorn settings and the same number of workers.

**Method** (as ``bench/wrk_suite.py``'s answer rows, whose helpers it uses): wrk ``-t1
-c8`` on 127.0.0.1 with ``bench/wrk/answer.lua``, every request a different prepared POST
(a learner's cookie and CSRF token from a real login through the rung's own ``/login`` and
a real GET of a question page, and an answer; every fourth one wrong), so every answer
stores new rows. Rounds are interleaved: hello, rung 1, hello, rung 2, …, hello; a
rung's ratio in a round is its answers/s ÷ the mean of the hello runs just before and
after it, and a row is the median over the rounds. After every run of a rung with a
database, once its server is idle, the new responses (and as many new review logs) must
be at least the answers wrk saw acknowledged (2xx) and at most those plus the requests
cut off in flight when wrk stopped; anything else, any non-2xx status or a socket error
fails the run. A prepared pool that runs out makes the run start again larger.

Printed: each rung's answers/s (median), ÷ hello, the step from the rung before (the
ratio of the two ratios) and ÷ hello in each round; then the gunicorn workers' CPU time
per answer (from /proc, over the run and until the server is idle) and hello's CPU
time per request ÷ the rung's: on a shared machine the rates move with other people's
load, the CPU time much less, and it leaves out what an answer waits for (the disk's
fsync, the other worker's write lock). Then each run's row check, the commits per second
this disk gives one writer alone before and after the rounds (SQLite commits one writer
at a time, so with ``synchronous=FULL`` that fsync rate bounds every rung with a
database; PostgreSQL flushes concurrent commits together, so there it is only what one
commit waits for), and the load average at the start and the end (the machine may be
shared). On PostgreSQL the workers' CPU time leaves out the server's backends, which
share the machine's cores with them.

On SQLite, two options separate the parts of the floor: ``--synchronous NORMAL`` takes the fsync per
commit out (the CPU side of the stack), and ``--write-lock poll`` makes a writer poll for
SQLite's write lock every 50-200 µs instead of SQLite's busy handler, which sleeps 1, 2,
5, 10 ms… between tries (the project's store polls; the default is the bare stack).

Run: ``.venv/bin/python bench/floor_ladder.py`` (about 3 minutes: 5 s runs, 3 rounds,
2 workers); ``--quick`` for a smoke run (1 s runs, one round, under a minute; its
numbers prove only that it runs); ``--db pg`` for PostgreSQL; ``--workers 1``,
``--duration``, ``--rounds``, ``--connections``, ``--learners`` to resize. Loopback only,
free ports, every run bounded in time. Needs wrk (Debian: ``wrk``).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import ladder_apps  # noqa: E402
import wrk_suite  # noqa: E402
from wrk_suite import BenchError, Options, Server, say  # noqa: E402

from tests.servers import free_port, serve, stop  # noqa: E402

LADDER = (sys.executable, str(REPO / "bench" / "ladder_apps.py"))
HELLO = (sys.executable, str(REPO / "bench" / "hello_app.py"))
QUESTIONS = 40  # per rung database; a learner's card is inserted once, then updated
WRONG_EVERY = 4
RETRIES = 3  # a pool that ran out is made twice as large, at most this many times


@dataclass
class Rung:
    """One rung's server, its database (None for ``post-nothing``) and its learners'
    (cookie, CSRF token), with what its runs stored and acknowledged."""

    name: str
    server: Server
    database: str | None  # a SQLite file's path or a postgresql:// URL
    logins: list[tuple[str, str]] = field(default_factory=list)
    next_line: int = 0  # where the next pool starts in the (learner, question) sequence
    acknowledged: int = 0
    stored_rows: int = 0
    cut_off: int = 0
    key: str = "sqlite"  # or "pg", for wrk_suite.answer_run's messages

    def log_in(self, emails: list[str]) -> None:
        """A real login per learner through the rung's ``/login``, then a real GET of a
        question page for the CSRF token an answer form would carry."""
        for email in emails:
            browser = wrk_suite.Browser(self.server.port)
            token = browser.token("/login")
            form = {"email": email, "password": ladder_apps.PASSWORD, "csrf_token": token}
            browser.request("POST", "/login", form)
            token = browser.token("/questions/1")
            self.logins.append((browser.cookie(), token))
            browser.conn.close()

    def prepare(self, answers: int, path: Path) -> int:
        """Write ``answers`` prepared POSTs (path, cookie, body), learners interleaved;
        each answers the next question of its own sequence."""
        lines = []
        for n in range(self.next_line, self.next_line + answers):
            cookie, token = self.logins[n % len(self.logins)]
            question = (n // len(self.logins)) % QUESTIONS + 1
            given = "no idea" if n % WRONG_EVERY == WRONG_EVERY - 1 else "answer  " + str(question)
            body = urllib.parse.urlencode({"answer": given, "csrf_token": token})
            lines.append(f"/answer/{question}\t{cookie}\t{body}")
        self.next_line += answers
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return answers

    def stored(self) -> tuple[int, int]:
        """(responses, review logs) in the rung's database."""
        assert self.database is not None
        return ladder_apps.row_counts(self.database)

    def settle(self, server: Server) -> tuple[int, int]:
        """Once the rows and the workers' CPU time have not moved for half a second (at
        most 30 s): requests cut off at the end of a run are done with; the rows then."""
        seen = (self.stored(), wrk_suite.worker_cpu_ticks(server))
        quiet_since = time.monotonic()
        give_up = quiet_since + 30
        while time.monotonic() < give_up and time.monotonic() - quiet_since < 0.5:
            time.sleep(0.1)
            now = (self.stored(), wrk_suite.worker_cpu_ticks(server))
            if now != seen:
                seen, quiet_since = now, time.monotonic()
        return seen[0]


def start_rung(name: str, database: str | None, args: argparse.Namespace) -> Rung:
    """The rung's server on its (fresh, empty) database; its learners logged in."""
    workers, learners = args.workers, args.learners
    command = [*LADDER, "--rung", name]
    if args.db == "pg":
        command += ["--pg-writes", args.pg_writes]
    else:
        command += ["--synchronous", args.synchronous, "--write-lock", args.write_lock]
    emails: list[str] = []
    if database is not None:
        emails = ladder_apps.create_database(database, learners, QUESTIONS)
        command += ["--database", database]
    port = free_port()
    proc = serve(dict(os.environ), port, workers=workers, command=command)
    server = Server(f"{name}, {workers} workers", port, workers, proc)
    rung = Rung(name, server, database, key=args.db)
    if database is None:  # nothing checks them: any cookie and token will do
        rung.logins = [("", "none")] * learners
    else:
        rung.log_in(emails)
    return rung


def commit_rate(directory: Path, synchronous: str, seconds: float = 1.0) -> float:
    """Commits per second of one writer alone on this disk (WAL, one-row transactions,
    a kept connection): the ceiling the rungs' commits have, as SQLite commits one writer
    at a time."""
    path = directory / "commits.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (v) VALUES ('x')")
            conn.execute("COMMIT")
            done += 1
        return done / (time.perf_counter() - start)


def pg_commit_rate(url: str, seconds: float = 1.0) -> float:
    """Commits per second of one writer alone on this PostgreSQL (one-row inserts in
    autocommit mode on a kept connection, into a table of its own). PostgreSQL flushes
    the WAL of concurrent commits together, so unlike SQLite's this is no ceiling for two
    workers: it says what one commit waits for on this disk."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commits (id SERIAL PRIMARY KEY, v TEXT)")
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            conn.execute("INSERT INTO bench_commits (v) VALUES ('x')")
            done += 1
        return done / (time.perf_counter() - start)


def pg_settings(url: str) -> str:
    """The server's version and what its commits wait for."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        found = conn.execute(
            "SELECT current_setting('server_version'), current_setting('fsync'), "
            "current_setting('synchronous_commit'), current_setting('wal_sync_method')"
        ).fetchone()
    assert found is not None
    return f"PostgreSQL {found[0]} (fsync={found[1]}, synchronous_commit={found[2]}, " + (
        f"wal_sync_method={found[3]})"
    )


TICK_US = 1e6 / os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    """One run: requests (or answers) per second, and the workers' CPU time per request."""

    rate: float
    cpu_us: float


class Ladder:
    """The interleaved runs: hello, rung, hello, rung, …, hello."""

    def __init__(self, hello: Server, rungs: list[Rung], opts: Options, pool: Path) -> None:
        self.hello, self.rungs, self.opts, self.pool = hello, rungs, opts, pool
        self.samples: dict[str, list[Sample]] = {}
        self.ratios: dict[str, list[float]] = {}  # rung ÷ hello per round, by rate
        self.cpu_ratios: dict[str, list[float]] = {}  # hello's CPU per request ÷ the rung's
        self.best: dict[str, float] = {}  # the best rate seen per rung sizes its pools

    def hello_run(self, duration: int) -> Sample:
        ticks = wrk_suite.worker_cpu_ticks(self.hello)
        run = wrk_suite.wrk(self.hello.port, "get.lua", ["/"], duration, self.opts)
        if run.count("ok") != run.count("responded") or not run.count("ok"):
            raise BenchError(f"hello: statuses {run.statuses}")
        cpu = (wrk_suite.worker_cpu_ticks(self.hello) - ticks) * TICK_US
        return Sample(run.rate(run.count("ok")), cpu / run.count("responded"))

    def rung_run(self, rung: Rung, duration: int, hello: float) -> Sample:
        """One run of answers, its rows checked; a pool that ran out is run again larger."""
        size = math.ceil(1.5 * self.best.get(rung.name, hello) * duration)
        size += 4 * self.opts.connections
        for _ in range(RETRIES):
            ticks = wrk_suite.worker_cpu_ticks(rung.server)
            rate, handled, exhausted = self._run(rung, size, duration)
            cpu = (wrk_suite.worker_cpu_ticks(rung.server) - ticks) * TICK_US
            if not exhausted:
                self.best[rung.name] = max(self.best.get(rung.name, 0.0), rate)
                return Sample(rate, cpu / handled)
            size *= 2
        raise BenchError(f"{rung.name}: {size // 2} prepared answers ran out within {duration} s")

    def _run(self, rung: Rung, size: int, duration: int) -> tuple[float, int, bool]:
        """(acknowledged answers per second, requests the workers handled, pool ran out)."""
        if rung.database is not None:
            answered = wrk_suite.answer_run(
                rung,  # type: ignore[arg-type]  # answer_run needs prepare, stored, settle, key
                rung.server,
                "answer",
                size,
                duration,
                self.opts,
                self.pool,
            )
            rung.acknowledged += answered.acknowledged
            rung.stored_rows += answered.stored
            rung.cut_off += answered.cut_off
            return answered.rate, answered.stored, answered.exhausted
        rung.prepare(size, self.pool)
        args = [str(self.pool), "answer", str(self.opts.threads)]
        run = wrk_suite.wrk(rung.server.port, "answer.lua", args, duration, self.opts)
        if run.count("rejected") or run.count("redirects") or not run.count("ok"):
            raise BenchError(f"{rung.name}: statuses {run.statuses}\n{run.output}")
        rung.acknowledged += run.count("ok")
        return run.rate(run.count("ok")), run.count("responded"), bool(run.count("exhausted"))

    def warm_up(self) -> None:
        if not self.opts.warmup:
            return
        hello = self.hello_run(self.opts.warmup)
        for rung in self.rungs:
            self.rung_run(rung, self.opts.warmup, hello.rate)
        self.best.clear()

    def round(self) -> None:
        before = self.hello_run(self.opts.duration)
        self.samples.setdefault("hello", []).append(before)
        for rung in self.rungs:
            sample = self.rung_run(rung, self.opts.duration, before.rate)
            after = self.hello_run(self.opts.duration)
            self.samples["hello"].append(after)
            self.samples.setdefault(rung.name, []).append(sample)
            hello_rate = (before.rate + after.rate) / 2
            hello_cpu = (before.cpu_us + after.cpu_us) / 2
            self.ratios.setdefault(rung.name, []).append(sample.rate / hello_rate)
            self.cpu_ratios.setdefault(rung.name, []).append(hello_cpu / sample.cpu_us)
            before = after

    def median(self, name: str, cpu: bool = False) -> float:
        return statistics.median(s.cpu_us if cpu else s.rate for s in self.samples[name])


HEADER = ("rung", "answers/s", "÷ hello", "step", "rounds", "CPU µs/answer", "CPU ÷ hello")


def table(ladder: Ladder) -> list[tuple[str, ...]]:
    """One row per rung (after hello's): answers/s, ÷ hello and the step from the rung
    before (by rate, medians over rounds), ÷ hello in each round, and the workers' CPU
    time per answer with hello's CPU per request ÷ the rung's (the ratio a machine with
    cores to spare and no waits would show)."""
    hello_rate, hello_cpu = ladder.median("hello"), ladder.median("hello", cpu=True)
    rows: list[tuple[str, ...]] = [
        ("hello (GET /)", f"{hello_rate:,.0f}", "1.000", "", "", f"{hello_cpu:,.0f}", "1.000")
    ]
    prev_ratio = 1.0
    for rung in ladder.rungs:
        ratio = statistics.median(ladder.ratios[rung.name])
        rows.append(
            (
                rung.name,
                f"{ladder.median(rung.name):,.0f}",
                f"{ratio:.3f}",
                f"×{ratio / prev_ratio:.2f}",
                " ".join(f"{r:.2f}" for r in ladder.ratios[rung.name]),
                f"{ladder.median(rung.name, cpu=True):,.0f}",
                f"{statistics.median(ladder.cpu_ratios[rung.name]):.3f}",
            )
        )
        prev_ratio = ratio
    return rows


def print_table(rows: list[tuple[str, ...]]) -> None:
    wrk_suite.print_columns([HEADER, *rows], left=(0, 4))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 s runs, 1 round")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 5)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up per server (default 2)")
    parser.add_argument("--learners", type=int, help="learners per rung (default 40; 8 quick)")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t (default 1)")
    parser.add_argument("--workers", type=int, choices=(1, 2), default=2, help="default 2")
    parser.add_argument(
        "--db",
        choices=("sqlite", "pg"),
        default="sqlite",
        help="the rungs' database: SQLite files (default) or PostgreSQL at "
        f"{wrk_suite.PG_ADMIN} (a database of its own per rung, dropped afterwards)",
    )
    parser.add_argument(
        "--synchronous",
        choices=ladder_apps.SYNCHRONOUS,
        help="SQLite's synchronous for the rungs (default FULL, the project's default; "
        "NORMAL takes the fsync per commit out)",
    )
    parser.add_argument(
        "--write-lock",
        choices=ladder_apps.WRITE_LOCKS,
        help="how a rung waits for SQLite's write lock: SQLite's busy timeout (default, "
        "the bare stack) or polling every 50-200 µs (as the project's store does)",
    )
    parser.add_argument(
        "--pg-writes",
        choices=ladder_apps.PG_WRITES,
        help="PostgreSQL: an answer's three writes as one statement with data-modifying "
        "CTEs (default) or as BEGIN, three statements, COMMIT",
    )
    args = parser.parse_args(argv)
    sqlite_only = {"synchronous": "FULL", "write_lock": "busy-timeout"}
    pg_only = {"pg_writes": "cte"}
    mine, others = (pg_only, sqlite_only) if args.db == "pg" else (sqlite_only, pg_only)
    for option in others:
        if getattr(args, option) is not None:
            parser.error(f"--{option.replace('_', '-')} does not apply to --db {args.db}")
    for option, default in mine.items():
        if getattr(args, option) is None:
            setattr(args, option, default)
    quick = {"duration": 1, "rounds": 1, "warmup": 0, "learners": 8}
    full = {"duration": 5, "rounds": 3, "warmup": 2, "learners": 40}
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for name in ("duration", "rounds", "learners", "connections", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def rung_databases(
    args: argparse.Namespace, tmp: Path, stack: contextlib.ExitStack
) -> dict[str, str | None]:
    """Each rung's fresh database: a SQLite file in ``tmp``, or a PostgreSQL database of
    its own (created now, dropped when ``stack`` closes, after the servers stopped); None
    for ``post-nothing``. Raises :class:`Unreachable` when PostgreSQL cannot be reached."""
    databases: dict[str, str | None] = {"post-nothing": None}
    for name in ladder_apps.RUNGS[1:]:
        if args.db == "sqlite":
            databases[name] = str(tmp / f"{name}.db")
            continue
        url = stack.enter_context(wrk_suite.pg_database())
        if url is None:
            raise Unreachable(f"--db pg needs PostgreSQL at {wrk_suite.PG_ADMIN}")
        databases[name] = url
    return databases


class Unreachable(Exception):
    """The database server of ``--db pg`` does not answer."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    if args.quick:
        say("--quick: these numbers only prove the benchmark runs; compare none of them")
    opts = Options(args.duration, args.rounds, args.connections, args.threads, args.warmup)
    load_before = os.getloadavg()
    servers: list[Server] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-ladder-") as tmp_name,
        contextlib.ExitStack() as stack,
    ):
        tmp = Path(tmp_name)
        try:
            databases = rung_databases(args, tmp, stack)
        except Unreachable as exc:
            print(exc, file=sys.stderr)
            return 2
        floor_db = databases["floor"]
        assert floor_db is not None

        def commits() -> float:
            if args.db == "pg":
                return pg_commit_rate(floor_db)
            return commit_rate(tmp, args.synchronous)

        try:
            say(f"starting hello and {len(ladder_apps.RUNGS)} rungs, {args.workers} workers each")
            port = free_port()
            proc = serve(dict(os.environ), port, args.workers, HELLO)
            hello = Server("hello", port, args.workers, proc)
            servers.append(hello)
            rungs = []
            for name in ladder_apps.RUNGS:
                rung = start_rung(name, databases[name], args)
                servers.append(rung.server)
                rungs.append(rung)
            ladder = Ladder(hello, rungs, opts, tmp / "pool.tsv")
            say("warm-up")
            ladder.warm_up()
            disk = [commits()]
            for i in range(args.rounds):
                say(f"round {i + 1} of {args.rounds}")
                ladder.round()
            disk.append(commits())
            server_settings = pg_settings(floor_db) if args.db == "pg" else ""
        finally:
            for server in servers:
                stop(server.proc)
    loads = (load_before, os.getloadavg())
    print_report(args, opts, ladder, disk, server_settings, loads)
    return 0


def print_report(
    args: argparse.Namespace,
    opts: Options,
    ladder: Ladder,
    disk: list[float],
    server_settings: str,
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> None:
    """The settings, the table, the row checks, the lone writer's commit rate and the
    load average."""
    if args.db == "pg":
        database = f"{server_settings}, writes: {args.pg_writes}"
        alone = "this PostgreSQL, one writer alone"
        commit_unit = "one-row autocommit inserts on a kept connection"
    else:
        database = f"SQLite synchronous={args.synchronous}, write lock: {args.write_lock}"
        alone = f"this disk, one writer alone, synchronous={args.synchronous}"
        commit_unit = "one-row transactions on a kept connection"
    print(
        f"\nwrk -t{opts.threads} -c{opts.connections}, {opts.rounds} round(s) of "
        f"{opts.duration} s runs, interleaved; gunicorn as `course serve` "
        f"(course.cli.server.run_gunicorn), {args.workers} worker(s) for every app; "
        f"{database}.\n"
        "Baseline: bench/hello_app.py (GET /). ÷ hello = median over rounds of the rung's "
        "answers/s ÷ the mean of the hello runs before and after it; step = ÷ hello over "
        "the rung before's; rounds = each round's ÷ hello. CPU µs/answer: the workers' "
        "CPU time (/proc) per request handled, median over rounds; CPU ÷ hello = hello's "
        "CPU per request ÷ the rung's (waits for the disk, the write lock or the database "
        "server are not the workers' CPU).\n"
    )
    print_table(table(ladder))
    print()
    for rung in ladder.rungs:
        if rung.database is not None:
            print(
                f"{rung.name}: {rung.acknowledged:,} answers acknowledged, "
                f"{rung.stored_rows:,} stored ({rung.cut_off} cut off in flight at the "
                "ends of runs): every run's rows match"
            )
    print(
        f"{alone}: {disk[0]:,.0f} commits/s before the rounds, {disk[1]:,.0f} after ({commit_unit})"
    )
    print(
        "load average (1, 5, 15 min): "
        f"{' '.join(f'{x:.2f}' for x in loads[0])} at the start, "
        f"{' '.join(f'{x:.2f}' for x in loads[1])} at the end"
    )
    own = "--db sqlite --no-pages" if args.db == "sqlite" else "--db pg"
    print(
        f"The project's own answer row: bench/wrk_suite.py {own} --rss-answers 0 "
        "(same baseline and method)."
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"\n!!! BENCHMARK FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
