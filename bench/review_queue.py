"""Build today's review queue at scale: time per learner must stay flat as cards grow.

Fills a fresh database with learners × 200 review cards (due dates spread over the past
and the next months), then times ``reviews._todays_plan`` (the due query, an index
range scan on ``(user_id, due)``, plus ordering by retrievability and daily limits) for
a sample of learners. The first size is the baseline; the ratio of each larger size to
it is the figure to watch (1.0 = flat).

    .venv/bin/python bench/review_queue.py                 # 0.2 M and 2 M cards, SQLite
    DATABASE_URL=postgresql://... .venv/bin/python bench/review_queue.py
    .venv/bin/python bench/review_queue.py --big           # adds 20 M cards (slow)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.services import reviews
from course.settings import normalize_database_url
from course.store.content import ContentVersion, CourseRow, QuestionRow, QuizRow
from course.store.engine import make_engine, make_sessionmaker
from course.store.migrate import upgrade
from course.store.review import ReviewCard
from course.store.users import User

CARDS_PER_LEARNER = 200
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def seed_content(engine: Engine) -> list[int]:
    with engine.begin() as conn:
        version = conn.execute(
            insert(ContentVersion).values(
                course_id="bench", content_hash="x", synced_at=NOW, source=""
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(CourseRow).values(
                id="bench",
                title="Bench",
                description_html="",
                desired_retention=0.9,
                new_per_day=20,
                max_reviews_per_day=200,
                version_id=version,
                content_root="",
            )
        )
        quiz = conn.execute(
            insert(QuizRow).values(
                course_id="bench",
                slug="q",
                lesson_slug="l",
                title="Q",
                settings={},
                version_id=version,
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(QuestionRow),
            [
                {
                    "quiz_id": quiz,
                    "slug": f"q{i}",
                    "position": i,
                    "type": "true_false",
                    "definition": {},
                    "version_id": version,
                }
                for i in range(CARDS_PER_LEARNER)
            ],
        )
        return list(conn.execute(select(QuestionRow.id).order_by(QuestionRow.id)).scalars())


def add_learners(engine: Engine, start: int, count: int, questions: list[int]) -> None:
    rnd = random.Random(start)
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [
                {
                    "id": start + i,
                    "email": f"l{start + i}@example.org",
                    "display_name": "L",
                    "password_hash": "x",
                    "role": "learner",
                    "timezone": "UTC",
                    "created_at": NOW,
                }
                for i in range(count)
            ],
        )
    batch: list[dict[str, object]] = []
    for i in range(count):
        user = start + i
        for question in questions:
            stability = rnd.uniform(0.5, 120)
            last = NOW - timedelta(days=rnd.uniform(0, 150))
            batch.append(
                {
                    "user_id": user,
                    "question_id": question,
                    "course_id": "bench",
                    "state": 2,
                    "step": None,
                    "stability": stability,
                    "difficulty": 5.0,
                    "due": last + timedelta(days=stability),
                    "last_review": last,
                    "reps": 3,
                    "lapses": 0,
                    "introduced_at": last,
                    "active": True,
                }
            )
        if len(batch) >= 50_000:
            with engine.begin() as conn:
                conn.execute(insert(ReviewCard), batch)
            batch = []
    if batch:
        with engine.begin() as conn:
            conn.execute(insert(ReviewCard), batch)


def plan_text(engine: Engine) -> str:
    query = (
        "SELECT * FROM review_cards WHERE user_id = 42 AND due < '2026-06-02' "
        "AND active ORDER BY due LIMIT 500"
    )
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("EXPLAIN QUERY PLAN " + query)).all()
            return "\n".join(str(r[-1]) for r in rows)
        conn.execute(text("ANALYZE review_cards"))
        rows = conn.execute(text("EXPLAIN " + query.replace("AND active", "AND active = true")))
        return "\n".join(r[0] for r in rows)


def time_queue(engine: Engine, learners: int, sample: int) -> float:
    sessions = make_sessionmaker(engine)
    rnd = random.Random(7)
    chosen = [rnd.randint(1, learners) for _ in range(sample)]
    timings = []
    for user in chosen:
        session = sessions()
        began = time.perf_counter()
        with session.begin():
            planned = reviews._todays_plan(session, NOW, user)
        timings.append(time.perf_counter() - began)
        session.close()
        assert len(planned.cards) <= 200
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big", action="store_true", help="also measure 100,000 learners (20 M)")
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()
    sizes = [1_000, 10_000] + ([100_000] if args.big else [])
    url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory() as tmp:
        url = normalize_database_url(url) if url else f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        questions = seed_content(engine)
        loaded, baseline = 0, None
        print(f"database: {engine.dialect.name}; {CARDS_PER_LEARNER} cards per learner")
        for size in sizes:
            started = time.perf_counter()
            add_learners(engine, loaded + 1, size - loaded, questions)
            loaded = size
            if engine.dialect.name == "postgresql":
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE review_cards"))
            fill = time.perf_counter() - started
            per = time_queue(engine, loaded, args.sample)
            baseline = baseline or per
            cards = loaded * CARDS_PER_LEARNER
            print(
                f"{cards / 1e6:5.1f} M cards ({loaded:,} learners, filled in {fill:.0f} s): "
                f"{per * 1000:6.2f} ms per learner's queue, ratio to first size "
                f"{per / baseline:.2f}"
            )
        print("query plan of the due query:")
        print("  " + plan_text(engine).replace("\n", "\n  "))
        engine.dispose()


if __name__ == "__main__":
    main()
