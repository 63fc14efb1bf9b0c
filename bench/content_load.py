"""Reading and publishing a big content root, as ratios to a plain YAML load of its files.

Generates a content root of about 10,000 questions (the bundled course's quizzes copied
under new quiz ids, with the bundled lessons), then times, interleaved round by round:

- baseline: ``yaml.load(text, Loader=yaml.CSafeLoader)`` of every quiz and course file
  (read from disk, as the others do);
- ``course validate``: ``validate_root`` (what the command runs: YAML, schema, warnings,
  every authored example graded);
- ``course sync`` into a fresh database (migrations are applied before the clock starts);
- a re-sync of the same, unchanged root into that database.

Medians of the rounds are printed, each as a ratio to the baseline's median, in wall-clock
time and in the process's CPU time (less disturbed by other work on a shared machine,
though not immune to it), with the load average at the end.

    .venv/bin/python bench/content_load.py              # 10,000 questions, 5 rounds, SQLite
    .venv/bin/python bench/content_load.py --quick      # 500 questions, 1 round (CI)
    COURSE_BENCH_PG=postgresql://postgres@127.0.0.1/test .venv/bin/python \
        bench/content_load.py                           # adds PostgreSQL (own databases)
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.clock import SystemClock
from course.content.yamlsafe import decode, parse_recovering
from course.services.content_sync import sync_root, validate_root
from course.settings import normalize_database_url
from course.store.content import QuestionRow
from course.store.engine import make_engine, make_sessionmaker
from course.store.migrate import upgrade

REPO = Path(__file__).resolve().parent.parent
_QUIZ_ID = re.compile(r"^id: (\S+)$", re.MULTILINE)


def generate(root: Path, questions: int) -> int:
    """Write a content root of at least ``questions`` questions; return how many."""
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "course.yaml").write_bytes((REPO / "course.yaml").read_bytes())
    for lesson in sorted((REPO / "lessons").glob("*.md")):
        (root / "lessons" / lesson.name).write_bytes(lesson.read_bytes())
    shutil.copytree(REPO / "media", root / "media")
    sources = [
        (path.stem, path.read_text(encoding="utf-8"))
        for path in sorted((REPO / "quizzes").glob("*.yaml"))
    ]
    written, copy = 0, 0
    while written < questions:
        copy += 1
        for stem, source in sources:
            if written >= questions:
                break
            renamed = _QUIZ_ID.sub(lambda m, c=copy: f"id: {m.group(1)}-{c}", source, count=1)
            (root / "quizzes" / f"{stem}-{copy}.yaml").write_text(renamed, encoding="utf-8")
            written += source.count("\n  - id: ")
    return written


def plain_load(root: Path) -> None:
    """The baseline: every YAML file of the root through libyaml's safe loader."""
    yaml.load((root / "course.yaml").read_bytes(), Loader=yaml.CSafeLoader)
    for path in sorted((root / "quizzes").iterdir()):
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)


class _ComposeOnly(yaml.CSafeLoader):
    """libyaml's composer with no tag resolution: the floor of any reader built on it."""

    def resolve(self, kind: object, value: object, implicit: object) -> str:
        return "?"


def compose_only(root: Path) -> None:
    for path in sorted((root / "quizzes").iterdir()):
        yaml.compose(path.read_bytes(), Loader=_ComposeOnly)


def read_yaml(root: Path) -> None:
    """The project's YAML layer alone, as validate runs it (cyclic GC paused)."""
    gc.disable()
    try:
        for path in sorted((root / "quizzes").iterdir()):
            parse_recovering(path.name, decode(path.name, path.read_bytes()))
    finally:
        gc.enable()


def validate(root: Path) -> None:
    bundle, report = validate_root(root)
    if bundle is None:
        raise SystemExit("generated root does not validate:\n" + "\n".join(report.lines()))


class Databases:
    """Fresh databases, one per round: SQLite files, or PostgreSQL databases we own."""

    def __init__(self, tmp: Path, pg_url: str | None) -> None:
        self.tmp, self.pg_url, self.count = tmp, pg_url, 0

    def fresh(self) -> str:
        self.count += 1
        if self.pg_url is None:
            url = f"sqlite:///{self.tmp}/bench-{self.count}.db"
        else:
            name = f"yaml_bench_{os.getpid()}_{self.count}"
            admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = self.pg_url.rsplit("/", 1)[0] + f"/{name}"
        upgrade(url)
        return url

    def drop_all(self) -> None:
        if self.pg_url is None:
            return
        admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for i in range(1, self.count + 1):
                name = f"yaml_bench_{os.getpid()}_{i}"
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


CPU: dict[str, list[float]] = {}  # process CPU time of each measurement, beside wall clock


def timed(fn: Callable[[], object], name: str = "") -> float:
    """Wall-clock seconds of ``fn()``; its CPU seconds go to ``CPU[name]``."""
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    if name:
        CPU.setdefault(name, []).append(time.process_time() - cpu)
    return time.perf_counter() - started


def sync_rounds(root: Path, databases: Databases, expected: int, name: str) -> tuple[float, float]:
    """One fresh sync and one unchanged re-sync; the row count is checked."""
    engine = make_engine(databases.fresh())
    sessions = make_sessionmaker(engine)
    try:
        first = timed(lambda: sync_root(sessions(), SystemClock(), root), f"sync, fresh {name}")
        again = timed(
            lambda: sync_root(sessions(), SystemClock(), root), f"re-sync unchanged, {name}"
        )
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(QuestionRow))
        if stored != expected:
            raise SystemExit(f"{stored} questions stored, {expected} written")
    finally:
        engine.dispose()
    return first, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 questions, one round")
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    questions, rounds = (500, 1) if args.quick else (args.questions, args.rounds)
    pg_url = os.environ.get("COURSE_BENCH_PG")
    pg_url = normalize_database_url(pg_url) if pg_url else None
    with tempfile.TemporaryDirectory(prefix="content-load-") as tmp:
        root = Path(tmp) / "bench-course"
        written = generate(root, questions)
        files = len(list((root / "quizzes").iterdir()))
        size = sum(p.stat().st_size for p in (root / "quizzes").iterdir())
        print(f"{written:,} questions in {files} quiz files ({size / 1e6:.1f} MB)")
        backends = [("SQLite", Databases(Path(tmp), None))]
        if pg_url:
            backends.append(("PostgreSQL", Databases(Path(tmp), pg_url)))
        times: dict[str, list[float]] = {}
        try:
            for _ in range(rounds):
                # Interleaved: every round times the baseline next to each measurement.
                times.setdefault("baseline", []).append(timed(lambda: plain_load(root), "baseline"))
                times.setdefault("  part: libyaml compose only", []).append(
                    timed(lambda: compose_only(root), "  part: libyaml compose only")
                )
                times.setdefault("  part: yamlsafe (nodes)", []).append(
                    timed(lambda: read_yaml(root), "  part: yamlsafe (nodes)")
                )
                times.setdefault("validate", []).append(timed(lambda: validate(root), "validate"))
                for name, databases in backends:
                    first, again = sync_rounds(root, databases, written, name)
                    times.setdefault(f"sync, fresh {name}", []).append(first)
                    times.setdefault(f"re-sync unchanged, {name}", []).append(again)
                times["baseline"].append(timed(lambda: plain_load(root), "baseline"))
        finally:
            for _, databases in backends:
                databases.drop_all()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    base = statistics.median(times["baseline"])
    cpu_base = statistics.median(CPU["baseline"])
    print(f"load average at the end: {load} (1, 5, 15 min)")
    print(
        f"baseline (plain yaml.load with CSafeLoader of the same files): {base * 1000:.0f} ms"
        f" wall, {cpu_base * 1000:.0f} ms CPU"
    )
    print(f"{'':<32}{'wall':>8}  {'x base':>6}  {'CPU':>8}  {'x base':>6}")
    for name, values in times.items():
        if name == "baseline":
            continue
        median = statistics.median(values)
        cpu = statistics.median(CPU[name])
        print(
            f"{name:<32}{median * 1000:6.0f} ms  {median / base:6.2f}"
            f"  {cpu * 1000:6.0f} ms  {cpu / cpu_base:6.2f}"
        )


if __name__ == "__main__":
    main()
