"""Applying an answer-key fix: a new content version, then a regrade with audit rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.cli import main
from course.clock import FixedClock
from course.errors import Conflict, InvalidInput, PermissionDenied
from course.services import attempts, keyfix
from course.services.authz import Actor
from course.services.drafts import position_key
from course.store.attempts import Attempt, Response
from course.store.audit import ChangeKind, ScoreChange
from course.store.content import ContentFile, QuestionRevision, QuestionRow, QuizRow
from course.store.users import Role
from tests.factories import (
    COURSE,
    QUIZ,
    QUIZ_PAGE,
    AuthActions,
    answer_path,
    attempt_id_from,
    course_copy,
    field,
    make_class,
    make_instructor,
)

pytestmark = pytest.mark.usefixtures("synced")


def _question_id(session: Session, slug: str, quiz: str = QUIZ) -> int:
    with session.begin():
        found = session.scalar(
            select(QuestionRow.id)
            .join(QuizRow, QuizRow.id == QuestionRow.quiz_id)
            .where(QuizRow.slug == quiz, QuestionRow.slug == slug)
        )
    assert found is not None
    return found


def _latest(session: Session, question_id: int) -> tuple[int, dict[str, object]]:
    with session.begin():
        rid = session.scalar(
            select(func.max(QuestionRevision.id)).where(QuestionRevision.question_id == question_id)
        )
        definition = session.scalar(
            select(QuestionRevision.definition).where(QuestionRevision.id == rid)
        )
    assert rid is not None and definition is not None
    return rid, definition


@pytest.fixture
def teacher(session: Session, clock: FixedClock) -> Actor:
    teacher = make_instructor(session, clock)
    make_class(session, clock, teacher)
    return teacher


def test_accept_answer_publishes_a_version_and_raises_scores(
    answered: int, session: Session, clock: FixedClock, teacher: Actor
) -> None:
    sakhalin = _question_id(session, "north-of-japan")
    before, _ = _latest(session, sakhalin)
    report = keyfix.accept_answer(
        session, teacher, COURSE, sakhalin, "Hokkaido", now=clock.now(), revision_id=before
    )
    assert report.fix == "accept 'Hokkaido'"
    assert report.path == "quizzes/soviet-union-ww2.yaml" and report.file_revision == 2
    # The example that encoded the old key follows the new one (validation demands it).
    assert report.examples_changed == (("Hokkaido", 0.0, 1.0),)
    assert [(c.email, c.old_score, c.new_score) for c in report.raised] == [
        ("kim@example.org", 0.0, 1.0)
    ]
    assert report.lowered == () and report.regrade.kept == ()
    revision, definition = _latest(session, sakhalin)
    assert revision == report.revision_id != before
    assert definition["answer"] == ["Sakhalin", "Hokkaido"]
    with session.begin():
        stored = session.scalar(
            select(ContentFile.data).where(
                ContentFile.path == report.path, ContentFile.revision == 2
            )
        )
        assert stored is not None
        text = stored.decode()
        assert 'answer: ["Sakhalin", "Hokkaido"]\n' in text
        assert '"Hokkaido": 1\n' in text
        # Nothing else of the file changed: comments and other questions as written.
        assert text.count("\n") > 200
        change = session.scalar(select(ScoreChange))
        assert change is not None
        assert change.reason == "regrade after key fix: accept 'Hokkaido'"
        assert change.kind is ChangeKind.REGRADE and change.actor == "teacher@example.org"
        assert session.get(Attempt, answered).points == 17  # type: ignore[union-attr]
        response = session.scalar(select(Response).where(Response.response_text == "Hokkaido"))
        assert response is not None and response.score == 0.0  # the original is kept
    # The proposal's revision is gone now: applying it again is refused (409).
    with pytest.raises(Conflict):
        keyfix.accept_answer(
            session, teacher, COURSE, sakhalin, "Hokaido", now=clock.now(), revision_id=before
        )


def test_accepting_an_accepted_answer_or_nothing_is_refused(
    session: Session, clock: FixedClock, teacher: Actor
) -> None:
    sakhalin = _question_id(session, "north-of-japan")
    with pytest.raises(InvalidInput, match="already accepted"):
        keyfix.accept_answer(session, teacher, COURSE, sakhalin, "sakhalin", now=clock.now())
    with pytest.raises(InvalidInput):
        keyfix.accept_answer(session, teacher, COURSE, sakhalin, "  ", now=clock.now())
    earlier = _question_id(session, "earlier-war")
    with pytest.raises(InvalidInput, match="does not apply"):
        keyfix.accept_answer(session, teacher, COURSE, earlier, "Crimea", now=clock.now())


def test_only_authors_of_the_course_apply_fixes(session: Session, clock: FixedClock) -> None:
    sakhalin = _question_id(session, "north-of-japan")
    stranger = make_instructor(session, clock, "other@example.org")  # runs no class of it
    for actor in (stranger, Actor(stranger.id, Role.LEARNER)):
        with pytest.raises(PermissionDenied):
            keyfix.accept_answer(session, actor, COURSE, sakhalin, "Hokkaido", now=clock.now())


def test_a_fix_never_lowers_a_score_unless_the_instructor_allows_it(
    answered: int, session: Session, clock: FixedClock, teacher: Actor
) -> None:
    earlier = _question_id(session, "earlier-war")
    move = keyfix.KeyFix(keyfix.FixKind.MARK_CHOICES, choices=("The Winter War",))
    kept = keyfix.apply_fix(session, teacher, COURSE, earlier, move, now=clock.now())
    assert kept.fix == "mark 'The Winter War' correct; mark 'The Russo-Japanese War' wrong"
    assert kept.regrade.changes == ()
    assert kept.regrade.kept == (("kim@example.org", answered, "earlier-war", 1.0, 0.0),)
    assert sorted(kept.examples_changed) == [
        ("The Russo-Japanese War", 1.0, 0.0),
        ("The Winter War", 0.0, 1.0),
    ]
    with session.begin():
        # One audit row tells the learner the key changed and their score stayed.
        kept_rows = session.scalars(select(ScoreChange)).all()
        assert [(c.old_score, c.new_score, c.revision_id) for c in kept_rows] == [(1.0, 1.0, None)]
        assert kept_rows[0].reason.endswith("(the new key gives less; your score was kept)")
    back = keyfix.KeyFix(keyfix.FixKind.MARK_CHOICES, choices=("The Russo-Japanese War",))
    keyfix.apply_fix(session, teacher, COURSE, earlier, back, now=clock.now())
    keyfix.apply_fix(session, teacher, COURSE, earlier, move, now=clock.now(), allow_lower=True)
    with session.begin():
        change = session.scalars(select(ScoreChange).order_by(ScoreChange.id.desc())).first()
        assert change is not None and (change.old_score, change.new_score) == (1.0, 0.0)
        assert session.get(Attempt, answered).points == 15  # type: ignore[union-attr]


def _results_answer(session: Session, attempt_id: int, slug: str) -> tuple[str, bool, object]:
    """(expected answer shown, correct, regraded at) of one question on the results."""
    question = _question_id(session, slug)
    with session.begin():
        attempt = session.get(Attempt, attempt_id)
        assert attempt is not None
        user_id, position = attempt.user_id, attempt.question_ids.index(question)
    view = attempts.results(session, user_id, attempt_id).attempt
    shown = view.answers[position_key(position)]
    return shown.correct_answer, shown.correct, view.regraded_at


def test_results_show_the_key_the_current_grade_was_computed_against(
    answered: int, session: Session, clock: FixedClock, teacher: Actor
) -> None:
    earlier = _question_id(session, "earlier-war")
    assert _results_answer(session, answered, "earlier-war") == (
        "The Russo-Japanese War",
        True,
        None,
    )
    move = keyfix.KeyFix(keyfix.FixKind.MARK_CHOICES, choices=("The Winter War",))
    keyfix.apply_fix(session, teacher, COURSE, earlier, move, now=clock.now())
    # Kept: graded as before, and the regrade did not change a score.
    assert _results_answer(session, answered, "earlier-war")[2] is None
    clock.advance(timedelta(minutes=1))
    back = keyfix.KeyFix(keyfix.FixKind.MARK_CHOICES, choices=("The Russo-Japanese War",))
    keyfix.apply_fix(session, teacher, COURSE, earlier, back, now=clock.now())
    keyfix.apply_fix(session, teacher, COURSE, earlier, move, now=clock.now(), allow_lower=True)
    expected, correct, regraded = _results_answer(session, answered, "earlier-war")
    assert (expected, correct, regraded) == ("The Winter War", False, clock.now())


def _stored_quiz(session: Session, path: str) -> str:
    with session.begin():
        stored = session.scalar(
            select(ContentFile.data)
            .where(ContentFile.path == path)
            .order_by(ContentFile.revision.desc())
            .limit(1)
        )
    assert stored is not None
    return stored.decode()


@pytest.mark.parametrize(
    ("slug", "fix", "added"),
    [
        # Both right examples (1950, "1,950") are wrong under the new key.
        ("korean-war-year", keyfix.KeyFix(keyfix.FixKind.SET_ANSWER, "1951"), '"1951": 1'),
        # Already has a right example after the fix ("9 August 1945" stays right): none added.
        ("manchuria-invasion", keyfix.KeyFix(keyfix.FixKind.SET_ANSWER, "1945-08-08"), ""),
    ],
)
def test_a_fix_keeps_the_quiz_valid_under_strict(
    session: Session,
    clock: FixedClock,
    teacher: Actor,
    tmp_path: Path,
    slug: str,
    fix: keyfix.KeyFix,
    added: str,
) -> None:
    report = keyfix.apply_fix(
        session, teacher, COURSE, _question_id(session, slug), fix, now=clock.now()
    )
    text = _stored_quiz(session, report.path)
    assert (added in text) if added else report.example_added == ""
    if added:
        assert report.example_added == fix.value
    # The bundled course passes --strict (tests/content/test_bundled_course.py); the
    # fixed quiz must too, so the fix left no question without a right example.
    after = course_copy(tmp_path / "after", edit=lambda _old: text)
    now = CliRunner().invoke(main, ["validate", "--strict", str(after)])
    assert now.exit_code == 0, now.output
    assert "warning" not in now.output


def test_an_answer_still_wrong_after_a_fix_shows_the_fixed_key(
    answered: int, auth: AuthActions, session: Session, clock: FixedClock, teacher: Actor
) -> None:
    """Kim typed Hokkaido: wrong under the old key and the fixed one, so the regrade
    records no change of hers; her results must still stop teaching the old key."""
    lev = auth.browser()
    lev.signup("lev@example.org")
    start = lev.post(f"{QUIZ_PAGE}/start", {}, token_from=QUIZ_PAGE)
    attempt = attempt_id_from(start.headers["Location"])
    lev.post(
        answer_path(attempt, "north-of-japan"),
        {field("north-of-japan"): "Karafuto"},
        token_from=f"/attempts/{attempt}",
    )
    lev.post(f"/attempts/{attempt}/submit", {}, token_from="/")
    assert _results_answer(session, answered, "north-of-japan")[:2] == ("Sakhalin", False)
    sakhalin = _question_id(session, "north-of-japan")
    prefer = keyfix.KeyFix(keyfix.FixKind.PREFER_TEXT, value="Karafuto")
    keyfix.apply_fix(session, teacher, COURSE, sakhalin, prefer, now=clock.now())
    with session.begin():
        changed = session.scalars(select(ScoreChange.attempt_id)).all()
    assert changed == [attempt]  # Lev was raised; Kim's score did not move
    assert _results_answer(session, answered, "north-of-japan")[:2] == ("Karafuto", False)
    assert _results_answer(session, attempt, "north-of-japan")[:2] == ("Karafuto", True)
    # A question no fix touched keeps the key the learner was graded against.
    assert _results_answer(session, answered, "earlier-war")[:2] == (
        "The Russo-Japanese War",
        True,
    )
