"""Instructor dashboards for big classes: 50 and 500 learners, 50 assignments.

Builds a synthetic course (25 lessons, 25 quizzes of 4 questions), a class with N
learners who read, attempted and reviewed, then times the class overview, the item
analysis and the gradebook export. The 50-learner class is the baseline; the ratio for
500 learners shows how time grows with class size. The overview is timed twice: its
first call in the process ("cold": every learner's card figures computed) and the median
of the next calls ("warm": figures kept, as for an instructor reloading the page); the
statements it runs are counted and must not depend on the class size.
Run: ``.venv/bin/python bench/dashboard.py [--repeat 5] [--learners 5,20]`` (a quick size).
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

from sqlalchemy import Engine, event, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.clock import FixedClock
from course.services import analysis, classes, dashboard, exports
from course.services.authz import Actor
from course.services.content_sync import sync_root
from course.store.attempts import Attempt, AttemptStatus, LessonRead, Response
from course.store.classes import AssignmentKind, Membership
from course.store.content import LessonRow, QuestionRevision, QuestionRow, QuizRow
from course.store.engine import make_engine, make_sessionmaker
from course.store.migrate import upgrade
from course.store.review import ReviewCard
from course.store.users import Role, User

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TOPICS = 25


def write_course(root: Path) -> None:
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "course.yaml").write_text("id: big\ntitle: Big course\n", encoding="utf-8")
    for i in range(TOPICS):
        (root / "lessons" / f"l{i}.md").write_text(
            f"---\ntitle: Lesson {i}\norder: {i}\n---\n## Part {i}\nText of lesson {i}.\n",
            encoding="utf-8",
        )
        questions = "".join(
            f"  - {{id: q{j}, type: true_false, prompt: 'Statement {j}?', answer: true}}\n"
            for j in range(4)
        )
        (root / "quizzes" / f"q{i}.yaml").write_text(
            f"title: Quiz {i}\nlesson: l{i}\nquestions:\n{questions}", encoding="utf-8"
        )


def seed_class(engine: Engine, class_id: int, first_user: int, learners: int) -> None:
    rnd = random.Random(learners)
    with engine.begin() as conn:
        lessons = conn.execute(select(LessonRow.id)).scalars().all()
        quizzes = conn.execute(select(QuizRow.id, QuizRow.version_id)).all()
        questions = conn.execute(select(QuestionRow.id, QuestionRow.quiz_id)).all()
        revision = dict(
            conn.execute(select(QuestionRevision.question_id, QuestionRevision.id)).all()
        )
        users = [first_user + i for i in range(learners)]
        conn.execute(
            insert(User),
            [
                {
                    "id": u,
                    "email": f"u{u}@example.org",
                    "display_name": f"Learner {u}",
                    "password_hash": "x",
                    "role": "learner",
                    "timezone": "UTC",
                    "created_at": NOW,
                }
                for u in users
            ],
        )
        conn.execute(
            insert(Membership),
            [{"class_id": class_id, "user_id": u, "joined_at": NOW} for u in users],
        )
        conn.execute(
            insert(LessonRead),
            [
                {
                    "user_id": u,
                    "lesson_id": lesson,
                    "read_at": NOW - timedelta(days=rnd.randint(0, 20)),
                }
                for u in users
                for lesson in lessons
                if rnd.random() < 0.7
            ],
        )
        by_quiz: dict[int, list[int]] = {}
        for qid, quiz in questions:
            by_quiz.setdefault(quiz, []).append(qid)
        attempt_rows, response_rows, card_rows = [], [], []
        next_attempt = first_user * 100
        for u in users:
            for quiz, version in quizzes:
                if rnd.random() < 0.4:
                    continue
                next_attempt += 1
                scores = [1.0 if rnd.random() < 0.7 else 0.0 for _ in by_quiz[quiz]]
                attempt_rows.append(
                    {
                        "id": next_attempt,
                        "user_id": u,
                        "quiz_id": quiz,
                        "number": 1,
                        "seed": 1,
                        "version_id": version,
                        "question_ids": by_quiz[quiz],
                        "revision_ids": [revision[q] for q in by_quiz[quiz]],
                        "status": AttemptStatus.SUBMITTED,
                        "started_at": NOW - timedelta(days=5),
                        "submitted_at": NOW - timedelta(days=5),
                        "points": sum(scores),
                        "max_points": len(scores),
                        "passed": sum(scores) >= 3,
                    }
                )
                for q, score in zip(by_quiz[quiz], scores, strict=True):
                    response_rows.append(
                        {
                            "attempt_id": next_attempt,
                            "question_id": q,
                            "revision_id": revision[q],
                            "raw": "true",
                            "response_text": "true" if score else "false",
                            "score": score,
                            "points": score,
                            "max_points": 1.0,
                            "feedback": [],
                            "answered_at": NOW - timedelta(days=5),
                            "duration_ms": 4000,
                        }
                    )
                    stability = rnd.uniform(1, 60)
                    last = NOW - timedelta(days=rnd.uniform(0, 30))
                    card_rows.append(
                        {
                            "user_id": u,
                            "question_id": q,
                            "course_id": "big",
                            "state": 2,
                            "stability": stability,
                            "difficulty": 5.0,
                            "due": last + timedelta(days=stability),
                            "last_review": last,
                            "reps": 2,
                            "lapses": rnd.randint(0, 9),
                            "active": True,
                        }
                    )
        conn.execute(insert(Attempt), attempt_rows)
        conn.execute(insert(Response), response_rows)
        conn.execute(insert(ReviewCard), card_rows)


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def counted(engine: Engine, fn) -> int:  # type: ignore[no-untyped-def]
    """Statements ``fn`` runs."""
    seen: list[int] = []

    def record(*_args: object) -> None:
        seen.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per figure")
    parser.add_argument("--learners", default="50,500", help="two class sizes (small,big)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        clock = FixedClock(NOW)
        root = Path(tmp) / "content"
        write_course(root)
        sync_root(sessions(), clock, root)
        with engine.begin() as conn:
            conn.execute(
                insert(User).values(
                    id=1,
                    email="t@example.org",
                    display_name="T",
                    password_hash="x",
                    role="instructor",
                    timezone="UTC",
                    created_at=NOW,
                )
            )
        teacher = Actor(1, Role.INSTRUCTOR)
        results: dict[int, dict[str, float]] = {}
        queries: dict[int, int] = {}
        small_n, big_n = (int(n) for n in args.learners.split(","))
        for size, first in ((small_n, 1000), (big_n, 1000 + small_n + 1000)):
            class_id = classes.create_class(sessions(), clock, teacher, "big", f"Class {size}")
            for i in range(TOPICS):
                due = NOW + timedelta(days=i - 10)
                classes.add_assignment(
                    sessions(), clock, teacher, class_id, AssignmentKind.LESSON, f"l{i}", due
                )
                classes.add_assignment(
                    sessions(), clock, teacher, class_id, AssignmentKind.QUIZ, f"q{i}", due
                )
            seed_class(engine, class_id, first, size)

            def view(c: int = class_id) -> None:
                dashboard.overview(sessions(), NOW, teacher, c)

            results[size] = {"overview, cold": timed(view, 1)}
            results[size]["overview, warm"] = timed(view, args.repeat)
            queries[size] = counted(engine, view)
            results[size]["item analysis"] = timed(
                lambda c=class_id: analysis.analyse(sessions(), teacher, c, "q3"), args.repeat
            )
            results[size]["gradebook CSV"] = timed(
                lambda c=class_id: exports.gradebook(sessions(), NOW, teacher, c), args.repeat
            )
        print("SQLite; 50 assignments; learners read 70 % of lessons, took 60 % of quizzes")
        print(f"{'page':<16}{f'{small_n} learners':>14}{f'{big_n} learners':>15}{'ratio':>8}")
        for page in results[small_n]:
            small, big = results[small_n][page], results[big_n][page]
            print(f"{page:<16}{small * 1000:>11.0f} ms{big * 1000:>12.0f} ms{big / small:>8.1f}")
        print(
            f"overview statements: {queries[small_n]} ({small_n} learners), "
            f"{queries[big_n]} ({big_n} learners)"
        )
        print("load average (1, 5, 15 min): " + ", ".join(f"{n:.2f}" for n in os.getloadavg()))
        assert queries[small_n] == queries[big_n], "the overview's statements grew with the class"
        engine.dispose()


if __name__ == "__main__":
    main()
