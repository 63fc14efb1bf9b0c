"""`course optimize` on logs shaped like the app's: quiz answers, learning steps minutes
later, learners in UTC−8 and UTC+9; fitted on the earlier reviews, scored on the later,
stored only when better; and a clear message when the optional optimizer is missing."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from course.cli import main
from course.cli.optimize_report import Progress
from course.clock import FixedClock
from course.review import optimize
from course.review.scheduler import DEFAULT_PARAMETERS
from course.services.optimize import Decision, optimize_course
from course.store import review as store
from course.store.content import QuestionRow, QuizRow
from course.store.review import CourseParameters, ReviewCard, ReviewLog
from course.store.users import User
from tests.factories import QUIZ, make_user
from tests.review.simulated import LEARNERS, TRUE_PARAMETERS, simulate_learner
from tests.servers import instance_env

COURSE = "ww2-soviet-union"


def store_simulated_logs(
    session: Session, clock: FixedClock, learners: int, days: int = 300
) -> int:
    """Learners with TRUE_PARAMETERS memories, reviewed as the app reviews them, stored
    as the app stores them (a card per question, a log row per review); the review count."""
    with session.begin():
        questions = session.scalars(  # the original quiz's questions (the counts are its 17)
            select(QuestionRow.id)
            .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
            .where(QuizRow.slug == QUIZ)
            .order_by(QuestionRow.id)
        ).all()
    count = 0
    for n in range(learners):
        learner = LEARNERS[n % len(LEARNERS)]
        user = make_user(session, clock, f"sim{n}@example.org").id
        log = simulate_learner(
            learner, TRUE_PARAMETERS, seed=n, first_card=0, cards=len(questions), days=days
        )
        with session.begin():
            session.execute(update(User).where(User.id == user).values(timezone=learner.timezone))
            cards = {}
            for index, question in enumerate(questions):
                row = ReviewCard(
                    user_id=user, question_id=question, course_id=COURSE, state=2,
                    due=clock.now(), reps=0, lapses=0,
                )  # fmt: skip
                session.add(row)
                session.flush()
                cards[index] = row.id
            session.execute(
                insert(ReviewLog),
                [
                    {
                        "card_id": cards[r.card_id], "user_id": user, "course_id": COURSE,
                        "rating": r.rating, "reviewed_at": r.at, "duration_ms": 4000,
                        "source": "review", "score": 1.0 if r.rating > 1 else 0.0,
                    }
                    for r in log
                ],
            )  # fmt: skip
        count += len(log)
    return count


def stored_parameters(session: Session) -> list[float] | None:
    with session.begin():
        row = session.get(CourseParameters, COURSE)
        return None if row is None else list(row.parameters)


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", database_url)


def test_not_enough_reviews(
    session: Session, clock: FixedClock, synced: None, cli_env: None
) -> None:
    store_simulated_logs(session, clock, learners=1)
    report = optimize_course(session, clock, COURSE)
    assert report.decision is Decision.TOO_FEW and isinstance(report.result, optimize.TooFew)
    result = CliRunner().invoke(main, ["optimize"])
    assert result.exit_code == 0, result.output
    assert "Not enough reviews in 'ww2-soviet-union'" in result.output
    assert stored_parameters(session) is None


def test_evaluate_scores_on_later_reviews_and_stores_nothing(
    session: Session, clock: FixedClock, synced: None, cli_env: None
) -> None:
    reviews = store_simulated_logs(session, clock, learners=16)
    result = CliRunner().invoke(main, ["optimize", "--evaluate"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{reviews} reviews in 'ww2-soviet-union'." in out
    assert "Fitted on the " in out and " earlier predictions; scored on the " in out
    assert " later ones (reviews from " in out
    header = next(line for line in out.splitlines() if "held-out reviews" in line)
    assert header.split()[-4:] == ["loss", "RMSE", "(bins)", "AUC"]
    fitted = next(line for line in out.splitlines() if "fitted parameters " in line).split()
    default = next(line for line in out.splitlines() if "default parameters " in line).split()
    assert len(fitted) == len(default) == 5  # name (two words), log loss, RMSE, AUC
    assert "Calibration of the fitted parameters on the held-out reviews:" in out
    assert "Evaluation only (--evaluate); nothing stored." in out
    assert "Without --evaluate they would be stored." in out
    assert "Reading reviews" not in out  # no progress bars when not on a terminal
    assert stored_parameters(session) is None


def test_fitted_parameters_that_beat_the_defaults_are_stored(
    session: Session, clock: FixedClock, synced: None
) -> None:
    reviews = store_simulated_logs(session, clock, learners=16)
    report = optimize_course(session, clock, COURSE)
    outcome = report.result
    assert isinstance(outcome, optimize.Outcome)
    assert report.decision is Decision.STORED and report.reviews == reviews
    assert outcome.fitted.beats(outcome.default) and outcome.current is None
    assert outcome.fit_items >= optimize.MIN_ITEMS
    assert outcome.held_out_items >= optimize.MIN_HELD_OUT
    assert outcome.max_state_difference < optimize.MAX_STATE_DIFFERENCE
    assert stored_parameters(session) == list(outcome.parameters)
    with session.begin():
        assert store.course_parameters(session, COURSE) == list(outcome.parameters)
        row = session.get(CourseParameters, COURSE)
        assert row is not None and row.review_count == reviews
        assert row.log_loss == outcome.fitted.log_loss


def test_parameters_that_do_not_beat_the_ones_in_use_are_not_stored(
    session: Session, clock: FixedClock, synced: None, cli_env: None
) -> None:
    """The learners' own parameters are already in use: a fit on part of their reviews
    cannot beat them on the rest, and nothing changes."""
    store_simulated_logs(session, clock, learners=16)
    with session.begin():
        session.add(
            CourseParameters(
                course_id=COURSE, parameters=list(TRUE_PARAMETERS), fitted_at=clock.now(),
                review_count=0,
            )
        )  # fmt: skip
    store.forget_parameters(session)
    report = optimize_course(session, clock, COURSE)
    assert report.decision is Decision.NOT_BETTER
    assert isinstance(report.result, optimize.Outcome) and report.result.current is not None
    assert not report.result.fitted.beats(report.result.current)
    result = CliRunner().invoke(main, ["optimize"])
    assert result.exit_code == 0, result.output
    assert "parameters in use" in result.output
    assert "NOT stored: the fitted parameters do not beat the defaults and the ones in use" in (
        result.output
    )
    assert stored_parameters(session) == list(TRUE_PARAMETERS)


def test_progress_bars_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(stream)
        for done in range(0, 5001, 1000):
            progress("Reading reviews", done, 5000)
        progress("Fitting parameters", 1, 1)
        progress.close()
    assert "Reading reviews" in terminal.getvalue()
    assert "Fitting parameters" in terminal.getvalue()
    assert pipe.getvalue() == ""


# fsrs_rs_python now fails to import, as it does when the extra is not installed.
WITHOUT_OPTIMIZER = (
    "import sys; sys.modules['fsrs_rs_python'] = None; from course.cli import main; main()"
)


def test_without_the_optimizer_extra_optimize_says_what_to_install(tmp_path: Path) -> None:
    env = instance_env(tmp_path / "instance")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", WITHOUT_OPTIMIZER, *args],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    assert run("--help").returncode == 0
    init = run("init", "--no-demo")
    assert init.returncode == 0, init.stderr
    result = run("optimize", "--evaluate")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("course: `course optimize` needs the optional optimizer")
    assert "pip install 'course[optimize]'" in result.stderr
    assert "BSD-3-Clause" in result.stderr


def test_reviewing_and_scheduling_never_import_the_optimizer() -> None:
    """Every module of the engine (web app, review, services, cli) imports without it; only
    asking for the optimizer says it is missing."""
    script = (
        "import sys, pkgutil, importlib, course\n"
        "sys.modules['fsrs_rs_python'] = None\n"
        "for m in pkgutil.walk_packages(course.__path__, 'course.'):\n"
        "    if '.migrations.' not in m.name and not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "from course.review.optimize import OptimizerUnavailable, engine\n"
        "try:\n"
        "    engine()\n"
        "except OptimizerUnavailable as exc:\n"
        "    print('unavailable:', exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("unavailable: `course optimize` needs the optional optimizer")


def test_export_reviews_cli(
    session: Session, clock: FixedClock, synced: None, tmp_path: Path, cli_env: None
) -> None:
    reviews = store_simulated_logs(session, clock, learners=1)
    out = tmp_path / "reviews.csv"
    result = CliRunner().invoke(main, ["export-reviews", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    # The FSRS optimizer's layout (as the learners' and classes' downloads), then extras.
    assert rows[0] == [
        "card_id",
        "review_time",
        "review_rating",
        "review_state",
        "review_duration",
        "user_id",
        "source",
        "score",
    ]
    assert len(rows) == 1 + reviews and {r[2] for r in rows[1:]} <= {"1", "2", "3", "4"}
    assert all(r[1].isdigit() and int(r[1]) > 1_500_000_000_000 for r in rows[1:])  # ms
    assert rows[1][3] == "0"  # a card's first review is from the New state


def test_default_parameters_are_what_the_app_schedules_with() -> None:
    assert len(DEFAULT_PARAMETERS) == len(TRUE_PARAMETERS) == 21
