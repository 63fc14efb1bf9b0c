"""Seeded classes for the broken-key detector: a quiz whose keys are deliberately wrong
in each way the detector knows, beside hard questions whose keys are right.

Learners are simulated (a seeded ``random.Random``, never the global one): learner ``i``
of ``n`` has an ability spread evenly from −2.5 to 2.5 and knows a question's true
answer with the logistic probability of (ability − difficulty). A learner who knows
gives the *true* answer, which the broken key may mark wrong; one who does not gives
one of the question's wrong answers (some shared misconceptions, some spread).

``CASES`` says, per seeded question, what the detector must propose (kind and fix), or
``None``: a right key that must not be flagged. Used by the pure detector test and by
the service and web tests (which seed the same answers into a real class).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from course.clock import FixedClock
from course.content.model import AnyQuestion
from course.content.quizzes import read_quiz
from course.grading.examples import to_raw
from course.grading.keycheck import FlagKind
from course.grading.keyfix import FixKind, KeyFix
from course.services import attempts, classes
from course.services.authz import Actor
from course.store.users import Role
from course.web.answers import field_name
from tests.factories import make_learner, posted

COURSE_ID = "keyseed-course"
QUIZ_ID = "keyseed-quiz"

COURSE_YAML = f"id: {COURSE_ID}\ntitle: Seeded keys\n"
LESSON = """---
id: keyseed-lesson
title: The eastern front
---
## The war

Text of the lesson.
"""

# The quiz as the instructor (wrongly) wrote it. Filler questions f1..f16 are ordinary
# items: with the hard ones, the rest of the quiz that ranks the learners.
FILLERS = 16
_QUIZ = f"""id: {QUIZ_ID}
title: Seeded keys
lesson: keyseed-lesson
feedback: end
review: false
questions:
  - id: sakhalin-choice   # broken: the key marks the Kurils; the truth is Southern Sakhalin
    type: choice
    prompt: What did the USSR regain from Japan that it had lost in 1905?
    answer: The Kuril Islands
    choices: [Southern Sakhalin, The Kuril Islands, Hokkaido, Korea]
  - id: allies-multi      # broken: a right choice (Britain) is not marked
    type: multi_choice
    prompt: Which countries signed the 1942 Declaration by United Nations?
    choices:
      - {{text: USSR, correct: true}}
      - {{text: USA, correct: true}}
      - Britain
      - Finland
  - id: axis-multi        # broken: a wrong choice (Sweden) is marked right
    type: multi_choice
    prompt: Which countries fought on the Axis side against the USSR?
    answer: [Romania, Finland, Sweden]
    choices: [Romania, Finland, Sweden, Turkey]
  - id: moscow-text       # broken: "Zhukov" alone, as most answer, is not accepted
    type: text
    prompt: Who commanded the Western Front in the defence of Moscow?
    answer: Georgy Zhukov
    wrong:
      Konev: He commanded the Kalinin Front.
      zhukov.: Give his full name.
    examples:
      Georgy Zhukov: 1
      Zhukov: 0
      Konev: 0
  - id: losses-number     # broken: written in thousands (27,000 for 27 million)
    type: number
    prompt: About how many Soviet citizens died in the war?
    answer: 27000
    tolerance: 10%
  - id: leningrad-date    # broken: off by one year (the siege was lifted in 1944)
    type: date
    prompt: In which year was the siege of Leningrad lifted?
    answer: 1945
  - id: pact-tf           # broken the way no fix says: strong learners read it otherwise
    type: true_false
    prompt: The pact of 1939 was a treaty of alliance.
    answer: true
  - id: hard-choice       # right key, hard, with a distractor the weak share
    type: choice
    prompt: Which operation encircled the German Sixth Army?
    answer: Operation Uranus
    choices: [Operation Uranus, Operation Mars, Operation Saturn, Operation Bagration]
  - id: hard-text         # right key, hard, a misconception shared by the weak
    type: text
    prompt: Who commanded the 62nd Army at Stalingrad?
    answer: [Chuikov, Vasily Chuikov]
  - id: hard-number       # right key, hard, wrong answers spread (a few unit slips)
    type: number
    prompt: How many days did the siege of Leningrad last?
    answer: 872
    tolerance: 5
  - id: hard-date         # right key, hard, wrong years on both sides
    type: date
    prompt: When did the Battle of Kursk begin?
    answer: 1943-07-05
  - id: hard-multi        # right key, hard
    type: multi_choice
    prompt: Which cities were awarded the title Hero City in 1945?
    answer: [Leningrad, Stalingrad, Sevastopol, Odessa]
    choices: [Leningrad, Stalingrad, Sevastopol, Odessa, Kursk, Minsk]
{{fillers}}"""


QUIZ_YAML = _QUIZ.replace(
    "{fillers}",
    "".join(
        f"  - id: f{i}\n    type: text\n    prompt: Filler {i}.\n    answer: answer {i}\n"
        for i in range(1, FILLERS + 1)
    ),
)


@dataclass(frozen=True)
class Seed:
    """How learners answer one question: difficulty, the true answer(s) a knower gives
    (with weights), and what the others give."""

    difficulty: float
    knows: tuple[tuple[Any, float], ...]
    guesses: tuple[tuple[Any, float], ...]


SEEDS: dict[str, Seed] = {
    "sakhalin-choice": Seed(
        -0.5,
        (("Southern Sakhalin", 1),),
        (("The Kuril Islands", 2), ("Hokkaido", 1), ("Korea", 1)),
    ),
    "allies-multi": Seed(
        -0.5,
        ((["USSR", "USA", "Britain"], 1),),
        ((["USSR", "USA"], 2), (["USSR", "Finland"], 1), (["USA", "Finland"], 1)),
    ),
    "axis-multi": Seed(
        -0.5,
        ((["Romania", "Finland"], 1),),
        ((["Romania", "Finland", "Sweden"], 2), (["Romania", "Sweden", "Turkey"], 1)),
    ),
    "moscow-text": Seed(
        -0.5,
        (("Zhukov", 5), ("Georgy Zhukov", 3), ("zhukov", 2), ("Zhukow", 1), ("G. K. Zhukov", 1)),
        (("Konev", 3), ("Timoshenko", 1), ("Stalin", 1)),
    ),
    "losses-number": Seed(
        -0.5,
        (("27,000,000", 2), ("27 million", 2), ("26000000", 1)),
        (("20 million", 2), ("5 million", 1), ("27000", 1), ("100 million", 1)),
    ),
    "leningrad-date": Seed(
        -0.5,
        (("1944", 3), ("January 1944", 1)),
        (("1943", 2), ("1945", 2), ("1942", 1)),
    ),
    "pact-tf": Seed(-0.5, (("false", 1),), (("true", 3), ("false", 1))),
    "hard-choice": Seed(
        1.5,
        (("Operation Uranus", 1),),
        (("Operation Bagration", 3), ("Operation Saturn", 2), ("Operation Mars", 1)),
    ),
    "hard-text": Seed(
        1.5,
        (("Chuikov", 5), ("Vasily Chuikov", 1)),
        (("Zhukov", 3), ("Rokossovsky", 1), ("Yeremenko", 1), ("Paulus", 1)),
    ),
    "hard-number": Seed(
        1.5,
        (("872", 5), ("870", 1)),
        (("900", 3), ("1000", 2), ("500", 1), ("872000", 1), ("365", 1), ("1200", 1)),
    ),
    "hard-date": Seed(
        1.5,
        (("5 July 1943", 1),),
        (("12 July 1943", 2), ("5 July 1942", 1), ("5 July 1944", 1), ("August 1943", 1)),
    ),
    "hard-multi": Seed(
        1.5,
        ((["Leningrad", "Stalingrad", "Sevastopol", "Odessa"], 1),),
        (
            (["Leningrad", "Stalingrad", "Kursk"], 3),
            (["Leningrad", "Stalingrad", "Minsk", "Odessa"], 2),
            (["Stalingrad", "Sevastopol"], 1),
        ),
    ),
    **{
        f"f{i}": Seed(-1.5 + 3 * (i - 1) / (FILLERS - 1), ((f"answer {i}", 1),), (("no idea", 1),))
        for i in range(1, FILLERS + 1)
    },
}
CASES: dict[str, tuple[frozenset[FlagKind], KeyFix | None] | None] = {
    # A single choice's wrong key shows both ways: the right choice picked by the
    # strong learners, the marked one avoided by them. Either flag names the fix.
    "sakhalin-choice": (
        frozenset({FlagKind.CHOICE_PICKED, FlagKind.CHOICE_AVOIDED}),
        KeyFix(FixKind.MARK_CHOICES, choices=("Southern Sakhalin",)),
    ),
    "allies-multi": (
        frozenset({FlagKind.CHOICE_PICKED}),
        KeyFix(FixKind.MARK_CHOICES, choices=("USSR", "USA", "Britain")),
    ),
    "axis-multi": (
        frozenset({FlagKind.CHOICE_AVOIDED}),
        KeyFix(FixKind.MARK_CHOICES, choices=("Romania", "Finland")),
    ),
    "moscow-text": (frozenset({FlagKind.TYPED_ANSWER}), KeyFix(FixKind.PREFER_TEXT, "Zhukov")),
    "losses-number": (frozenset({FlagKind.NUMBER_SLIP}), KeyFix(FixKind.SET_ANSWER, "27000000")),
    "leningrad-date": (frozenset({FlagKind.DATE_SLIP}), KeyFix(FixKind.SET_ANSWER, "1944")),
    "pact-tf": (frozenset({FlagKind.NEGATIVE_DISCRIMINATION}), None),
    "hard-choice": None,
    "hard-text": None,
    "hard-number": None,
    "hard-date": None,
    "hard-multi": None,
}


def _pick(rng: random.Random, options: tuple[tuple[Any, float], ...]) -> Any:
    values = [v for v, _ in options]
    return rng.choices(values, weights=[w for _, w in options])[0]


def simulate(seed: int, learners: int) -> list[dict[str, Any]]:
    """Each learner's answers (question id → response as a learner writes it: the
    choice's text, a list of texts, typed text), learner 0 the weakest."""
    rng = random.Random(seed)
    result = []
    for i in range(learners):
        ability = -2.5 + 5 * i / max(1, learners - 1)
        answers = {}
        for qid, s in SEEDS.items():
            knows = rng.random() < 1 / (1 + math.exp(-1.7 * (ability - s.difficulty)))
            answers[qid] = _pick(rng, s.knows if knows else s.guesses)
        result.append(answers)
    return result


def write_root(root: Path) -> Path:
    """The seeded course as a content root."""
    (root / "lessons").mkdir(parents=True)
    (root / "quizzes").mkdir()
    (root / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
    (root / "lessons" / "keyseed-lesson.md").write_text(LESSON, encoding="utf-8")
    (root / "quizzes" / "keyseed-quiz.yaml").write_text(QUIZ_YAML, encoding="utf-8")
    return root


def questions() -> list[AnyQuestion]:
    """The seeded quiz's questions, in order (as the validator reads them)."""
    read = read_quiz("keyseed-quiz.yaml", QUIZ_YAML.encode(), "keyseed-quiz")
    assert read.quiz is not None, read.problems
    return list(read.quiz.questions)


def seed_class(
    session: Session, clock: FixedClock, class_code: str, learners: int, seed: int
) -> list[int]:
    """``learners`` new accounts join the class and each submits one attempt of the
    seeded quiz with the simulated answers (through the services, as the pages do).
    Returns their user ids, weakest first."""
    quiz = questions()
    ids = []
    for i, answers in enumerate(simulate(seed, learners)):
        learner = make_learner(session, clock, f"learner{i:03d}@example.org")
        classes.join(session, clock, Actor(learner.id, Role.LEARNER), class_code)
        attempt = attempts.start_attempt(session, clock, learner.id, COURSE_ID, QUIZ_ID)
        fields = {field_name(str(n)): to_raw(q, answers[q.id]) for n, q in enumerate(quiz, start=1)}
        attempts.submit_attempt(session, clock, learner.id, attempt, posted(fields), fuzz=False)
        ids.append(learner.id)
    return ids
