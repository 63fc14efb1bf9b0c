"""Grading throughput per question type, as a ratio to a baseline run in the same process.

The baseline is the cheapest honest step of any answer: decoding the submitted value
(``json.loads`` of a short string). A ratio of 5 means grading that type costs five
such decodes. Run: ``.venv/bin/python bench/grading.py [--seconds 0.5]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course.content.loader import load_root
from course.grading.registry import grade_response
from tests.factories import KEYS, QUIZ, form_answer, posted


def rate(fn: Callable[[], Any], seconds: float) -> float:
    """Calls per second, best of three rounds."""
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(100):
                fn()
            count += 100
        best = max(best, count / elapsed)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=0.4)
    args = parser.parse_args()
    bundle, _ = load_root(Path(__file__).resolve().parent.parent)
    assert bundle is not None
    baseline = rate(lambda: json.loads('"9 August 1945"'), args.seconds)
    print(f"baseline json.loads: {baseline:,.0f}/s")
    print(f"{'type':<14}{'question':<22}{'grades/s':>12}{'ratio':>8}")
    rows = []
    seen: set[str] = set()
    quiz = next(q for q in bundle.quizzes if q.id == QUIZ)  # the quiz form_answer keys
    for question in quiz.questions:
        if question.type.value in seen:
            continue
        seen.add(question.type.value)
        fields = form_answer(question)
        raw = posted(fields).response(question, KEYS[question.id])
        per_second = rate(lambda q=question, r=raw: grade_response(q, r), args.seconds)
        rows.append((question.type.value, question.id, per_second, baseline / per_second))
        print(f"{rows[-1][0]:<14}{rows[-1][1]:<22}{per_second:>12,.0f}{rows[-1][3]:>8.1f}")


if __name__ == "__main__":
    main()
