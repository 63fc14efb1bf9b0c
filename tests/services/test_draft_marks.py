"""Which stored lessons and quizzes the authoring page marks as drafts, read from the
files themselves (front matter, top-level YAML) by the rules learners' pages follow."""

from __future__ import annotations

from course.services.authoring import draft_marks

LESSON = b"---\nid: secret\ntitle: Secret\ndraft: true\n---\n\nBody.\n"
LIVE = b"---\ntitle: Live\n---\n\nA line in the body says\ndraft: true\n"


def quiz(extra: str = "", lesson: str = "live", question: str = "") -> bytes:
    return (
        f"id: q\ntitle: Q\nlesson: {lesson}\n{extra}questions:\n"
        f"  - id: a\n    type: date\n    prompt: When?\n    answer: '1945'\n{question}"
    ).encode()


def test_explicit_drafts_are_marked_and_nothing_else() -> None:
    marks = draft_marks(
        {
            "course.yaml": b"id: c\ntitle: C\ndraft: true\n",
            "lessons/secret.md": LESSON,
            "lessons/live.md": LIVE,
            "quizzes/draft.yaml": quiz("draft: true\n"),
            "quizzes/live.yaml": quiz(),
            "quizzes/off.yaml": quiz("draft: false\n"),
            "lessons/gone.md": None,
        }
    )
    assert marks == {"lessons/secret.md": "draft: true", "quizzes/draft.yaml": "draft: true"}


def test_a_quiz_hidden_by_its_lesson_or_its_questions_is_marked_with_why() -> None:
    marks = draft_marks(
        {
            "lessons/secret.md": LESSON,
            "lessons/untitled-draft.md": b"---\ntitle: X\ndraft: true\n---\nBody\n",
            "quizzes/of-secret.yaml": quiz(lesson="secret"),
            "quizzes/of-named.yaml": quiz(lesson="untitled-draft"),
            "quizzes/all-draft.yaml": quiz(question="    draft: true\n"),
        }
    )
    assert marks["quizzes/of-secret.yaml"] == "its lesson 'secret' is a draft"
    assert marks["quizzes/of-named.yaml"] == "its lesson 'untitled-draft' is a draft"
    assert marks["quizzes/all-draft.yaml"] == "every question in it is a draft"


def test_values_that_are_not_a_yaml_true_and_unreadable_files_are_not_drafts() -> None:
    marks = draft_marks(
        {
            "quizzes/quoted.yaml": quiz("draft: 'true'\n"),
            "quizzes/yes.yaml": quiz("draft: yes\n"),
            "quizzes/list.yaml": quiz("draft: [true]\n"),
            "quizzes/broken.yaml": b"id: [unclosed\ndraft: true\n",
            "quizzes/not-utf8.yaml": b"draft: true\n\xff\n",
            "lessons/no-front-matter.md": b"draft: true\n",
        }
    )
    assert marks == {}
