"""The broken-key detector on seeded classes: every deliberately wrong key is flagged
with the right fix, and no right key on a hard question is."""

from __future__ import annotations

from typing import Any

import pytest

from course.content.model import AnyQuestion
from course.content.quizzes import read_quiz
from course.grading.examples import to_raw
from course.grading.keycheck import (
    MIN_LEARNERS,
    Flag,
    LearnerAnswer,
    check_question,
    rescored,
)
from course.grading.keyfix import FixKind, KeyFix, fixed_question
from course.grading.normalize import text_key
from course.grading.registry import grade_response
from course.grading.result import Grade
from tests.keyseeds import CASES, FILLERS, QUIZ_YAML, simulate


def _questions() -> dict[str, AnyQuestion]:
    read = read_quiz("keyseed-quiz.yaml", QUIZ_YAML.encode(), "keyseed-quiz")
    assert read.quiz is not None, read.problems
    return {q.id: q for q in read.quiz.questions}


def _score(question: AnyQuestion, response: Any) -> float:
    grade = grade_response(question, to_raw(question, response))
    assert isinstance(grade, Grade), (question.id, response, grade)
    return grade.score


def _flags(seed: int, learners: int) -> dict[str, list[Flag]]:
    questions = _questions()
    answers = simulate(seed, learners)
    scores = [{q: _score(questions[q], a[q]) for q in questions} for a in answers]
    totals = [sum(s.values()) for s in scores]
    return {
        qid: check_question(
            question,
            [
                LearnerAnswer(
                    i, to_raw(question, a[qid]), scores[i][qid], totals[i] - scores[i][qid]
                )
                for i, a in enumerate(answers)
            ],
        )
        for qid, question in questions.items()
    }


def _same_fix(a: KeyFix | None, b: KeyFix | None) -> bool:
    """Two fixes that change the key alike (typed answers compared as the grader does)."""
    if a is None or b is None or a.kind not in (FixKind.ACCEPT_TEXT, FixKind.PREFER_TEXT):
        return a == b
    return a.kind == b.kind and text_key(a.value) == text_key(b.value)


def _correct(flag: Flag) -> bool:
    expected = CASES.get(flag.question)
    return expected is not None and flag.kind in expected[0] and _same_fix(flag.fix, expected[1])


def test_each_broken_key_gets_its_fix_and_hard_right_keys_none() -> None:
    flags = _flags(seed=1, learners=40)
    for qid, expected in CASES.items():
        if expected is None:
            assert flags[qid] == [], (qid, flags[qid])
        else:
            assert any(_correct(f) for f in flags[qid]), (qid, flags[qid])
    assert all(flags[f"f{i}"] == [] for i in range(1, FILLERS + 1))


def test_evidence_and_discrimination_before_and_after() -> None:
    flags = _flags(seed=1, learners=40)
    (sakhalin,) = flags["sakhalin-choice"]
    evidence = sakhalin.evidence
    assert evidence.upper == evidence.lower == 11
    assert evidence.upper_gave > evidence.upper / 2 > evidence.lower_gave
    assert evidence.before < 0 < 0.2 <= (evidence.after or 0)
    assert sakhalin.fix_text == "mark 'Southern Sakhalin' correct; mark 'The Kuril Islands' wrong"
    (zhukov,) = flags["moscow-text"]
    assert zhukov.fix_text == "accept 'Zhukov' as the answer shown"
    assert "zhukov" in {v.casefold() for v, _ in zhukov.evidence.variants}
    (losses,) = flags["losses-number"]
    assert "÷" not in losses.evidence.note and "× 1,000" in losses.evidence.note
    (year,) = flags["leningrad-date"]
    assert year.fix_text == "answer should be 1944"
    assert year.evidence.note == "one year earlier than the key"


def test_the_fix_regrades_the_typed_forms_that_match() -> None:
    question = _questions()["moscow-text"]
    (flag,) = _flags(seed=1, learners=40)["moscow-text"]
    assert flag.fix is not None
    fixed = fixed_question(question, flag.fix)
    raised = [
        r
        for r in ("Zhukov", "zhukov", "Zhukov!", "Konev")
        if rescored(fixed, LearnerAnswer(0, r, 0.0, 0)) == 1.0
    ]
    assert raised == ["Zhukov", "zhukov", "Zhukov!"]  # "zhukov." left `wrong`


def test_too_few_answers_are_not_checked() -> None:
    assert all(f == [] for f in _flags(seed=1, learners=MIN_LEARNERS - 1).values())


def test_precision_and_recall_over_seeded_classes(capsys: pytest.CaptureFixture[str]) -> None:
    """Many seeded classes of several sizes: flags that name a seeded broken key with
    its right fix over all flags (precision), and broken keys so flagged over all broken
    keys (recall)."""
    true_pos = flagged = found = broken = right_keys = right_flagged = 0
    by_case: dict[str, list[int]] = {}
    for learners in (20, 30, 60):
        for seed in range(20):
            flags = _flags(seed, learners)
            for qid, expected in CASES.items():
                for flag in flags[qid]:
                    flagged += 1
                    true_pos += _correct(flag)
                if expected is not None:
                    broken += 1
                    hit = any(_correct(f) for f in flags[qid])
                    found += hit
                    by_case.setdefault(qid, [0, 0])[0] += hit
                    by_case[qid][1] += 1
            fillers = [flags[f"f{i}"] for i in range(1, FILLERS + 1)]
            flagged += sum(map(len, fillers))
            sound = [flags[q] for q, e in CASES.items() if e is None] + fillers
            right_keys += len(sound)
            right_flagged += sum(1 for f in sound if f)
    precision, recall = true_pos / flagged, found / broken
    with capsys.disabled():
        print(
            f"\nkey detector over 60 seeded classes: precision {precision:.3f} "
            f"({true_pos}/{flagged} flags), recall {recall:.3f} ({found}/{broken} broken keys)"
        )
        print(f"  right keys (hard and ordinary) flagged: {right_flagged}/{right_keys}")
        for qid, (hit, total) in by_case.items():
            print(f"  {qid} ({'/'.join(sorted(CASES[qid][0]))}): {hit}/{total}")  # type: ignore[index]
    assert precision >= 0.95
    assert recall >= 0.85
