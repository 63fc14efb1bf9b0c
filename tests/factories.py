"""Shared test data: typed factories with defaults (like CTFd's ``gen_*``), the bundled
quiz's questions and opaque keys, and the form fields that answer them.

Test modules import from here (and from :mod:`tests.servers` for real servers), never
from one another or from ``conftest.py``; requests go through the ``auth`` fixture.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content.loader import load_root
from course.content.model import (
    AnyQuestion,
    ChoiceQuestion,
    ClozeQuestion,
    DateQuestion,
    MatchQuestion,
    MultiChoiceQuestion,
    NumberQuestion,
    OrderQuestion,
    TextQuestion,
    TrueFalseQuestion,
)
from course.review.rating import Confidence
from course.services import attempts, classes, reviews
from course.services.accounts import Account, create_user
from course.services.authz import Actor
from course.services.posted import Answers
from course.store.content import QuestionRow
from course.store.review import ReviewCard
from course.store.users import Role
from course.web.answers import FormAnswers, field_name

# --- Where the tests run ------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("COURSE_TEST_DATABASE_URL", "")
USING_PG = PG_URL.startswith("postgres")

# --- The bundled course ------------------------------------------------------------

PASSWORD = "a long enough password"
COURSE = "ww2-soviet-union"
QUIZ = "soviet-union-ww2-quiz"
QUIZ_PAGE = f"/courses/{COURSE}/quizzes/{QUIZ}"


# The parts of a content root that a copy of the bundled course needs.
CONTENT_PARTS = ("lessons", "quizzes", "media")


def bundled_questions(root: Path = REPO, quiz_id: str = QUIZ) -> dict[str, AnyQuestion]:
    """question slug → question, for the quiz ``quiz_id`` (the bundled ``QUIZ`` by
    default; the course has other quizzes, whose slugs these tests do not name)."""
    bundle, report = load_root(root)
    assert bundle is not None, report.lines()
    return {q.id: q for quiz in bundle.quizzes if quiz.id == quiz_id for q in quiz.questions}


def course_question_total(root: Path = REPO) -> int:
    """Questions in every quiz of the bundled course (progress and decks count them all)."""
    bundle, report = load_root(root)
    assert bundle is not None, report.lines()
    return sum(len(quiz.questions) for quiz in bundle.quizzes)


def bundled_keys(root: Path = REPO, quiz_id: str = QUIZ) -> dict[str, str]:
    """question slug → its opaque key (position) in an attempt of the quiz ``quiz_id``
    (the bundled ``QUIZ``, which neither shuffles nor picks)."""
    bundle, report = load_root(root)
    assert bundle is not None, report.lines()
    return {
        q.id: str(i + 1)
        for quiz in bundle.quizzes
        if quiz.id == quiz_id
        for i, q in enumerate(quiz.questions)
    }


def copy_content(root: Path) -> Path:
    """A writable copy of the bundled course's lessons, quizzes and media at ``root``
    (without course.yaml)."""
    for part in CONTENT_PARTS:
        shutil.copytree(REPO / part, root / part)
    return root


KEYS = bundled_keys()


def _shown_text() -> str:
    """Everything the quiz shows learners anyway: prompts, options, items, cloze text."""
    parts: list[str] = []
    for question in bundled_questions().values():
        parts.append(question.prompt)
        for attribute in ("choices", "items", "lefts", "rights"):
            parts.extend(o.text for o in getattr(question, attribute, ()))
        parts.extend(getattr(question, "segments", ()))
    return " ".join(parts).lower()


SHOWN = _shown_text()


def slugs_in(html: str) -> list[str]:
    """Every question id (author's slug) of the bundled quiz found in ``html``.

    A slug that is also a word of the shown text ("Along which *parallel*…") is looked
    for in the markup only (tags, attributes, URLs); every other slug anywhere.
    """
    lowered = html.lower()
    markup = " ".join(re.findall(r"<[^>]*>", lowered))
    return [slug for slug in KEYS if slug in (markup if slug in SHOWN else lowered)]


def answer_path(attempt: int | str, slug: str) -> str:
    """The URL answering the bundled question ``slug`` in ``attempt``."""
    return f"/attempts/{attempt}/questions/{KEYS[slug]}"


def field(slug: str) -> str:
    """The form field of the bundled question ``slug`` in an attempt."""
    return field_name(KEYS[slug])


def course_copy(
    root: Path,
    course_id: str | None = None,
    edit: Callable[[str], str] | None = None,
) -> Path:
    """A writable copy of the bundled content at ``root``: under another course id (a
    second course beside the bundled one) when ``course_id`` is given, with the bundled
    quiz's YAML text passed through ``edit``."""
    copy_content(root)
    if course_id is None:
        shutil.copy(REPO / "course.yaml", root / "course.yaml")
    else:
        (root / "course.yaml").write_text(
            f"id: {course_id}\ntitle: {course_id}\n", encoding="utf-8"
        )
    if edit is not None:
        quiz = root / "quizzes" / "soviet-union-ww2.yaml"
        quiz.write_text(edit(quiz.read_text(encoding="utf-8")), encoding="utf-8")
    return root


def end_mode(text: str) -> str:
    """Quiz YAML edit: feedback at the end instead of after each question."""
    return text.replace("feedback: immediate", "feedback: end")


def fixed_key_root(tmp_path: Path) -> Path:
    """A copy of the bundled content whose Sakhalin question also accepts "Hokkaido"."""
    return course_copy(
        tmp_path / "content",
        edit=lambda text: text.replace(
            "    answer: Sakhalin\n", "    answer: [Sakhalin, Hokkaido]\n"
        ).replace('      "Hokkaido": 0\n', '      "Hokkaido": 1\n'),
    )


# Misconceptions declared for tagged_root (contract v1.1); "unused" is named nowhere.
MISCONCEPTIONS = """
misconceptions:
  wrong-front: Thinks Stalin's news of Japan came from Europe, not from Tokyo.
  home-army: Thinks Japan fought in Manchuria with its home army.
  unused: Never named by any question.
"""


def tag_misconceptions(text: str) -> str:
    """Quiz YAML edit: Berlin (spy question) and "Imperial Guard" (army question) tagged."""
    berlin = "        feedback: Berlin could not tell him what Japan planned in the east.\n"
    assert berlin in text
    text = text.replace(berlin, berlin + "        misconception: wrong-front\n")
    guard = (
        "      Imperial Guard: The Imperial Guard stayed in Japan; the army in Manchuria had\n"
        "        its own name.\n"
    )
    assert guard in text
    return text.replace(
        guard,
        '      Imperial Guard: {feedback: "The Imperial Guard stayed in Japan.", '
        "misconception: home-army}\n",
    )


def tagged_root(tmp_path: Path) -> Path:
    """A copy of the bundled course whose course.yaml declares MISCONCEPTIONS and whose
    quiz names two of them."""
    root = course_copy(tmp_path / "content", edit=tag_misconceptions)
    with (root / "course.yaml").open("a", encoding="utf-8") as f:
        f.write(MISCONCEPTIONS)
    return root


# --- Forms -------------------------------------------------------------------------


def form_answer(
    question: AnyQuestion, right: bool = True, key: str | None = None
) -> dict[str, Any]:
    """Form fields answering ``question`` correctly (or wrongly); ``key`` names the fields
    (default: the question's position in the bundled quiz)."""
    name = field_name(key if key is not None else KEYS[question.id])
    match question:
        case ChoiceQuestion():
            pick = next(c for c in question.choices if c.correct == right)
            return {name: pick.id}
        case MultiChoiceQuestion():
            return {name: [c.id for c in question.choices if c.correct == right]}
        case TrueFalseQuestion():
            return {name: str(question.answer == right).lower()}
        case TextQuestion():
            return {name: question.matcher.answers[0] if right else "zzzz"}
        case NumberQuestion():
            value = question.range[0] if question.range else question.answer
            return {name: str(value if right else value * 3 + 1)}
        case DateQuestion():
            return {name: str(question.answer) if right else "1800"}
        case OrderQuestion():
            items = list(question.items) if right else list(reversed(question.items))
            return {f"{name}-{item.id}": str(i + 1) for i, item in enumerate(items)}
        case MatchQuestion():
            rights = [r for _, r in question.pairs]
            if not right:
                rights = rights[1:] + rights[:1]
            return {
                f"{name}-{left}": r for (left, _), r in zip(question.pairs, rights, strict=True)
            }
        case ClozeQuestion():
            return {
                f"{name}-{i}": (b.answers[0] if right else "zzz")
                for i, b in enumerate(question.blanks)
            }


def posted(fields: dict[str, Any]) -> Answers:
    """The answers (as the services take them) of a form posting plain ``fields``."""
    return FormAnswers.of_fields(
        {name: list(v) if isinstance(v, list) else [str(v)] for name, v in fields.items()}
    )


def csrf_token(client: FlaskClient, path: str) -> str:
    """Fetch a form page and return the CSRF token it carries."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Requests a browser makes to sign up, log in and out, and post forms (flaskr's
    ``AuthActions``). ``on(other_client)`` drives another browser the same way."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def on(self, client: FlaskClient) -> AuthActions:
        return AuthActions(client)

    def browser(self) -> AuthActions:
        """A new browser (its own cookies) on the same app."""
        return AuthActions(self.client.application.test_client())

    def csrf(self, path: str) -> str:
        """The CSRF token of the form page at ``path``."""
        return csrf_token(self.client, path)

    def post(self, path: str, data: dict[str, Any] | None = None, token_from: str = "/") -> Any:
        """Post ``data`` to ``path`` with the CSRF token of the page ``token_from``."""
        token = self.csrf(token_from)
        return self.client.post(path, data={**(data or {}), "csrf_token": token})

    def signup(
        self,
        email: str = "learner@example.org",
        password: str = PASSWORD,
        display_name: str = "Lea",
    ) -> Any:
        """Sign up (and so log in); the form must accept."""
        data = {"email": email, "password": password, "display_name": display_name}
        page = self.post("/signup", data, token_from="/signup")
        assert page.status_code == 302, page.get_data(as_text=True)
        return page

    def login(
        self, email: str, password: str = PASSWORD, remember: bool = False, next_url: str = ""
    ) -> Any:
        """Post the login form; returns the response (302 on success)."""
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        path = "/login" + (f"?next={next_url}" if next_url else "")
        return self.post(path, data, token_from="/login")

    def login_as(self, email: str, password: str = PASSWORD) -> FlaskClient:
        """A new browser on the same app, logged in as ``email``."""
        other = self.browser()
        page = other.login(email, password)
        assert page.status_code == 302, page.get_data(as_text=True)
        return other.client

    def logout(self) -> Any:
        return self.post("/logout", {}, token_from="/")


def attempt_id_from(location: str) -> int:
    """The attempt id in a redirect to an attempt's page."""
    match = re.search(r"/attempts/(\d+)", location)
    assert match, location
    return int(match.group(1))


# --- Database rows -----------------------------------------------------------------


def make_user(
    session: Session,
    clock: FixedClock,
    email: str = "learner@example.org",
    *,
    password: str = PASSWORD,
    display_name: str = "",
    role: Role = Role.LEARNER,
) -> Account:
    """An account, created through the accounts service (its rules apply)."""
    return create_user(session, clock, email, password, display_name, role)


def make_actor(
    session: Session,
    clock: FixedClock,
    email: str = "learner@example.org",
    role: Role = Role.LEARNER,
    **overrides: Any,
) -> Actor:
    """A new account of ``role``, as the services' actor."""
    return Actor(make_user(session, clock, email, role=role, **overrides).id, role)


def make_learner(
    session: Session, clock: FixedClock, email: str = "learner@example.org", **overrides: Any
) -> Actor:
    return make_actor(session, clock, email, Role.LEARNER, **overrides)


def make_instructor(
    session: Session, clock: FixedClock, email: str = "teacher@example.org", **overrides: Any
) -> Actor:
    return make_actor(session, clock, email, Role.INSTRUCTOR, **overrides)


def make_class(
    session: Session,
    clock: FixedClock,
    teacher: Actor,
    name: str = "9B",
    course: str = COURSE,
) -> tuple[int, str]:
    """A class taught by ``teacher``: its id and join code."""
    class_id = classes.create_class(session, clock, teacher, course, name)
    code = {c.id: c.join_code for c in classes.teaching(session, teacher)}[class_id]
    return class_id, code


def start_attempt(
    session: Session, clock: FixedClock, user_id: int, course: str = COURSE, quiz: str = QUIZ
) -> int:
    return attempts.start_attempt(session, clock, user_id, course, quiz)


def answer(
    session: Session,
    clock: FixedClock,
    user_id: int,
    attempt: int,
    slug: str,
    fields: dict[str, Any],
    confidence: Confidence | None = None,
) -> attempts.AnswerOutcome:
    """Answer the bundled question ``slug`` with form ``fields`` (no fuzzing)."""
    return attempts.submit_answer(
        session, clock, user_id, attempt, int(KEYS[slug]), posted(fields), confidence, fuzz=False
    )


def take_quiz(
    session: Session,
    clock: FixedClock,
    user_id: int,
    *,
    wrong: Iterable[str] = (),
    answers: dict[str, str] | None = None,
    confidence: Confidence | None = None,
    pause: timedelta = timedelta(seconds=20),
    fuzz: bool = True,
) -> int:
    """Take the bundled quiz: every question right except ``wrong``; ``answers`` types
    given text instead. Returns the submitted attempt's id."""
    wrong, questions = set(wrong), bundled_questions()
    attempt = start_attempt(session, clock, user_id)
    for slug, question in questions.items():
        clock.advance(pause)
        fields = form_answer(question, slug not in wrong)
        if answers and slug in answers:
            fields = {field(slug): answers[slug]}
        answer(session, clock, user_id, attempt, slug, fields, confidence)
    attempts.submit_attempt(session, clock, user_id, attempt, fuzz=fuzz)
    return attempt


@functools.cache
def _bundled_by_slug() -> dict[str, AnyQuestion]:
    """The bundled quiz's questions, loaded once (review loops answer hundreds of cards)."""
    return bundled_questions()


def answer_next_review(
    session: Session, clock: FixedClock, user_id: int, right: bool = True
) -> reviews.ReviewOutcome | None:
    """Answer the next card of the learner's review queue (right or wrong) through the
    review service, as the review page does; None when nothing is due."""
    item = reviews.next_item(session, clock.now(), user_id)
    if item is None:
        return None
    question = _bundled_by_slug()[card_slug(session, item.card_id)]
    return reviews.answer(
        session,
        clock.now(),
        user_id,
        item.card_id,
        item.reps,
        posted(form_answer(question, right, reviews.REVIEW_KEY)),
        None,
        4000,
        fuzz=False,
    )


def card_slug(session: Session, card_id: int) -> str:
    """The author's slug of a review card's question (tests only: pages never show it)."""
    with session.begin():
        slug = session.scalar(
            select(QuestionRow.slug)
            .join(ReviewCard, ReviewCard.question_id == QuestionRow.id)
            .where(ReviewCard.id == card_id)
        )
    assert slug is not None
    return slug


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run through SQLAlchemy on ``engine`` meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
