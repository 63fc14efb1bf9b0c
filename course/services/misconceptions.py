"""Misconception report: which confusions a class shows, who holds them, where the
lesson addresses them, and which frequent wrong answers are not tagged yet.

Misconceptions are declared in ``course.yaml`` (slug → description) and named on
choices and ``wrong`` entries (contract v1.1). An answer *shows* a misconception when
its current score (after any regrade) is below full marks and grading it again
against the question's newest definition names that slug: a tag the author adds
today also classifies last month's answers. Answers of submitted attempts count.

For one misconception, over a class (and one quiz, or every quiz of the course):

- *exposed*: learners who answered at least one question that can show it;
- *share*: of those, the learners who showed it at least once;
- *holds it still*: the learner's latest answer to a question on which they showed
  it shows it again (otherwise they have answered differently since);
- *trend*: per week (Monday, UTC) of the answers, learners who showed it that week ÷
  learners who answered such a question that week.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.errors import NotFound
from course.services import misconception_data as data
from course.services import misconception_rules as rules
from course.services.authz import Actor, managed_class
from course.services.drafts import position_key
from course.services.misconception_rules import LessonInfo, LessonLink
from course.store.attempts import Attempt, AttemptStatus, Response
from course.store.audit import latest_changes
from course.store.content import QuizRow, current_files
from course.store.engine import read_only

MAX_WEEKS = 12  # the trend shows the last weeks with answers, at most this many


@dataclass(frozen=True)
class Holder:
    user_id: int
    name: str
    times: int  # answers that showed it
    last_shown: datetime
    still: bool


@dataclass(frozen=True)
class ShownBy:
    quiz_slug: str
    question: str
    answer: str
    learners: int


@dataclass(frozen=True)
class MisconceptionRow:
    slug: str
    description: str
    learners: int  # showed it
    exposed: int
    holders: tuple[Holder, ...]
    answers: tuple[ShownBy, ...]  # the answers that showed it, most learners first
    weeks: tuple[tuple[date, int, int], ...]  # (Monday, showed, answered) per week
    link: LessonLink | None

    @property
    def share(self) -> float | None:
        return self.learners / self.exposed if self.exposed else None


@dataclass(frozen=True)
class Candidate:
    """A wrong answer many learners gave that names no misconception yet."""

    quiz_slug: str
    question: str
    prompt: str
    answer: str
    learners: int
    answered: int
    path: str | None  # the quiz file to edit
    quiz_yaml: str
    course_yaml: str


@dataclass(frozen=True)
class MisconceptionReport:
    class_id: int
    class_name: str
    course_id: str
    quiz_slug: str | None
    quiz_title: str | None
    quizzes: tuple[tuple[str, str], ...]  # (slug, title) of the course's quizzes
    learners: int  # learners with answers in scope
    rows: tuple[MisconceptionRow, ...]
    candidates: tuple[Candidate, ...]
    weeks: tuple[date, ...]  # the trend's weeks, shared by every row
    candidate_min_learners: int = rules.CANDIDATE_MIN_LEARNERS
    candidate_min_share: float = rules.CANDIDATE_MIN_SHARE


def report(
    session: Session, actor: Actor, class_id: int, quiz_slug: str | None = None
) -> MisconceptionReport:
    """The misconceptions of a class, over one quiz (``quiz_slug``) or all of them.

    Raises:
        PermissionDenied: a learner asks.
        NotFound: no such class of the actor's, or no such quiz in its course.
    """
    with session.begin():
        read_only(session)
        row = managed_class(session, actor, class_id)
        quizzes = list(
            session.scalars(
                select(QuizRow).where(QuizRow.course_id == row.course_id).order_by(QuizRow.id)
            )
        )
        listed = tuple((q.slug, q.title) for q in quizzes if q.retired_at is None)
        chosen = None
        if quiz_slug is not None:
            chosen = next((q for q in quizzes if q.slug == quiz_slug), None)
            if chosen is None:
                raise NotFound(f"No quiz '{quiz_slug}' in this course.")
        scope = [chosen] if chosen else [q for q in quizzes if q.retired_at is None]
        questions = data.questions_of(session, scope)
        answers = data.class_answers(session, class_id, questions)
        names = data.names_of(session, {a.user_id for a in answers})
        files = current_files(session, row.course_id)
        described = rules.course_misconceptions(
            files["course.yaml"].data if "course.yaml" in files else None
        )
        paths = rules.quiz_paths({p: f.data for p, f in files.items() if f.data is not None})
        lessons = data.lessons_of(session, row.course_id)
    weeks = _weeks(answers)
    return MisconceptionReport(
        class_id=class_id,
        class_name=row.name,
        course_id=row.course_id,
        quiz_slug=chosen.slug if chosen else None,
        quiz_title=chosen.title if chosen else None,
        quizzes=listed,
        learners=len({a.user_id for a in answers}),
        rows=_rows(questions, answers, names, described, lessons, weeks),
        candidates=_candidates(questions, answers, described, paths),
        weeks=weeks,
    )


def _weeks(answers: list[data.GivenAnswer]) -> tuple[date, ...]:
    if not answers:
        return ()
    last = rules.week_of(max(a.answered_at for a in answers))
    first = max(rules.week_of(min(a.answered_at for a in answers)), _minus_weeks(last))
    count = (last - first).days // 7 + 1
    return tuple(date.fromordinal(first.toordinal() + 7 * i) for i in range(count))


def _minus_weeks(last: date) -> date:
    return date.fromordinal(last.toordinal() - 7 * (MAX_WEEKS - 1))


def _rows(
    questions: dict[int, data.QuestionRef],
    answers: list[data.GivenAnswer],
    names: dict[int, str],
    described: dict[str, str],
    lessons: dict[str, LessonInfo],
    weeks: tuple[date, ...],
) -> tuple[MisconceptionRow, ...]:
    capable: dict[str, list[data.QuestionRef]] = defaultdict(list)
    for q in questions.values():
        for slug in sorted(rules.tags_of(q.question)):
            capable[slug].append(q)
    rows = [
        _row(slug, described.get(slug, slug), qs, answers, names, lessons, weeks)
        for slug, qs in capable.items()
    ]
    rows.sort(key=lambda r: (-(r.share or 0), -r.learners, r.slug))
    return tuple(rows)


def _row(
    slug: str,
    description: str,
    capable: list[data.QuestionRef],
    answers: list[data.GivenAnswer],
    names: dict[int, str],
    lessons: dict[str, LessonInfo],
    weeks: tuple[date, ...],
) -> MisconceptionRow:
    ids = {q.id for q in capable}
    mine = [a for a in answers if a.question.id in ids]
    shown = [a for a in mine if a.seen.misconception == slug]
    latest: dict[tuple[int, int], data.GivenAnswer] = {}
    for a in mine:  # oldest first, so the last one stays
        latest[(a.user_id, a.question.id)] = a
    holders = []
    for user in sorted({a.user_id for a in shown}, key=lambda u: names.get(u, "").lower()):
        theirs = [a for a in shown if a.user_id == user]
        still = any(latest[(user, a.question.id)].seen.misconception == slug for a in theirs)
        holders.append(
            Holder(user, names.get(user, "?"), len(theirs), theirs[-1].answered_at, still)
        )
    sections: dict[tuple[str, str | None], int] = {
        (q.quiz.lesson_slug, q.question.section): 0 for q in capable
    }
    by_question: dict[tuple[str, str | None], set[int]] = defaultdict(set)
    for a in shown:
        by_question[(a.question.quiz.lesson_slug, a.question.question.section)].add(a.user_id)
    for key, users in by_question.items():
        sections[key] = len(users)
    return MisconceptionRow(
        slug=slug,
        description=description,
        learners=len({a.user_id for a in shown}),
        exposed=len({a.user_id for a in mine}),
        holders=tuple(holders),
        answers=_shown_by(shown),
        weeks=_trend(mine, slug, weeks),
        link=rules.lesson_link(
            slug, description, sections, lessons.get(capable[0].quiz.lesson_slug), lessons
        ),
    )


def _shown_by(shown: list[data.GivenAnswer]) -> tuple[ShownBy, ...]:
    learners: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for a in shown:
        learners[(a.question.quiz.slug, a.question.slug, _answer_text(a))].add(a.user_id)
    ordered = sorted(learners.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return tuple(ShownBy(quiz, q, text, len(users)) for (quiz, q, text), users in ordered)


def _answer_text(answer: data.GivenAnswer) -> str:
    question = answer.question.question
    slug = answer.seen.misconception
    for attribute in ("choices", "wrong"):
        for option in getattr(question, attribute, ()):
            if option.misconception == slug:
                return str(option.text)
    return ""


def _trend(
    mine: list[data.GivenAnswer], slug: str, weeks: tuple[date, ...]
) -> tuple[tuple[date, int, int], ...]:
    answered: dict[date, set[int]] = defaultdict(set)
    showed: dict[date, set[int]] = defaultdict(set)
    for a in mine:
        week = rules.week_of(a.answered_at)
        answered[week].add(a.user_id)
        if a.seen.misconception == slug:
            showed[week].add(a.user_id)
    return tuple((w, len(showed[w]), len(answered[w])) for w in weeks)


def _candidates(
    questions: dict[int, data.QuestionRef],
    answers: list[data.GivenAnswer],
    described: dict[str, str],
    paths: dict[str, str],
) -> tuple[Candidate, ...]:
    answered: dict[int, set[int]] = defaultdict(set)
    gave: dict[tuple[int, str], set[int]] = defaultdict(set)
    shown_as: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for a in answers:
        answered[a.question.id].add(a.user_id)
        for key, text in a.seen.untagged:
            gave[(a.question.id, key)].add(a.user_id)
            shown_as[(a.question.id, key)][text] += 1
    found = []
    taken = set(described)
    for (qid, key), users in gave.items():
        total = len(answered[qid])
        if len(users) < rules.CANDIDATE_MIN_LEARNERS or len(users) / total < (
            rules.CANDIDATE_MIN_SHARE
        ):
            continue
        q = questions[qid]
        text = shown_as[(qid, key)].most_common(1)[0][0]
        slug = rules.suggest_slug(text, taken)
        taken.add(slug)
        found.append(
            Candidate(
                quiz_slug=q.quiz.slug,
                question=q.slug,
                prompt=q.question.prompt,
                answer=text,
                learners=len(users),
                answered=total,
                path=paths.get(q.quiz.slug),
                quiz_yaml=rules.tag_yaml(q.question, key, text, slug),
                course_yaml=rules.course_yaml(slug, text),
            )
        )
    found.sort(key=lambda c: (-c.learners / c.answered, -c.learners, c.question, c.answer))
    return tuple(found)


# --- The learner's side: "a common confusion" on their results ------------------------


@dataclass(frozen=True)
class Confusion:
    description: str
    link: LessonLink | None


def confusions(session: Session, user_id: int, attempt_id: int) -> dict[str, Confusion]:
    """question key → the misconception the learner's wrong answer shows, for their
    own submitted attempt (an open attempt, or another learner's, shows nothing)."""
    with session.begin():
        read_only(session)
        attempt = session.get(Attempt, attempt_id)
        if (
            attempt is None
            or attempt.user_id != user_id
            or attempt.status is not AttemptStatus.SUBMITTED
        ):
            return {}
        quiz = session.get(QuizRow, attempt.quiz_id)
        assert quiz is not None
        described = rules.course_misconceptions(data.course_yaml(session, quiz.course_id))
        if not described:
            return {}
        questions = data.questions_of(session, [quiz])
        current = latest_changes()
        rows = session.execute(
            select(
                Response.question_id,
                Response.raw,
                func.coalesce(current.c.score, Response.score),
            )
            .outerjoin(current, current.c.response_id == Response.id)
            .where(Response.attempt_id == attempt.id)
        ).all()
        lessons = data.lessons_of(session, quiz.course_id)
    keys = {qid: position_key(i) for i, qid in enumerate(attempt.question_ids)}
    return _confusions(rows, questions, keys, described, lessons)


def _confusions(
    rows: Any,
    questions: dict[int, data.QuestionRef],
    keys: dict[int, str],
    described: dict[str, str],
    lessons: dict[str, LessonInfo],
) -> dict[str, Confusion]:
    found = {}
    for qid, raw, score in rows:
        q = questions.get(qid)
        if q is None or qid not in keys:
            continue
        slug = rules.seen_in(q.question, raw, score).misconception
        if slug is None or slug not in described:
            continue
        lesson = lessons.get(q.quiz.lesson_slug)
        sections = {(q.quiz.lesson_slug, q.question.section): 1}
        link = rules.lesson_link(slug, described[slug], sections, lesson, lessons)
        found[keys[qid]] = Confusion(described[slug], link)
    return found
