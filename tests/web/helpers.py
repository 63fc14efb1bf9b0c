"""Deprecated: the names moved to :mod:`tests.factories` (requests: the ``auth`` fixture).

Only bench/answer_path.py, bench/grading.py and tests/test_faults.py still import from
here; delete this module once they import from ``tests.factories``.
"""

from __future__ import annotations

from tests.factories import answer_path, bundled_questions, form_answer

__all__ = ["answer_path", "bundled_questions", "form_answer"]
