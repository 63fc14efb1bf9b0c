"""Contract v1.1 in the validator: warnings, comments that cut values, sections written as
heading text, numbers written as learners type them, extra_words, drafts, misconceptions,
reading past syntax errors, and regexes that would hang."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from course.content.diagnostics import Report
from course.content.loader import published
from course.content.model import ContentBundle, NumberQuestion, TextQuestion
from course.services.content_sync import validate_root

LESSON = """---
title: A lesson
---
## The war with Japan
Text.

## Background
One.

## Background
Two.
"""

EXAMPLES = '    examples: {"0": 0}\n'


def quiz(body: str, head: str = "title: T\nlesson: l\n") -> str:
    return head + "questions:\n" + textwrap.indent(textwrap.dedent(body).lstrip("\n"), "  ")


def load(
    tmp_path: Path, quiz_text: str, lesson: str = LESSON, course: str | None = None
) -> tuple[ContentBundle | None, Report]:
    (tmp_path / "lessons").mkdir(parents=True, exist_ok=True)
    (tmp_path / "quizzes").mkdir(exist_ok=True)
    (tmp_path / "lessons" / "l.md").write_text(lesson, encoding="utf-8")
    (tmp_path / "quizzes" / "q.yaml").write_text(quiz_text, encoding="utf-8")
    if course is not None:
        (tmp_path / "course.yaml").write_text(course, encoding="utf-8")
    return validate_root(tmp_path)


def messages(report: Report) -> list[str]:
    return [d.message for d in report.problems]


def warnings(report: Report) -> list[str]:
    return [d.message for d in report.warnings]


# --- a comment that cuts a value -------------------------------------------------------

CUT_CASES = [
    (
        "text answer",
        """
        - id: a
          type: text
          prompt: Which language?
          answer: C #sharp
          examples: {"C": 1, "Java": 0}
        """,
        (7, 13),
        "answer",
    ),
    (
        "choice list item",
        """
        - id: a
          type: choice
          prompt: Which language?
          choices:
            - C #sharp
            - Java
          answer: C
          examples: {"C": 1, "Java": 0}
        """,
        (8, 9),
        "choices",
    ),
    (
        "choice map text",
        """
        - id: a
          type: choice
          prompt: Which language?
          choices:
            - text: C #sharp
              correct: true
            - Java
          examples: {"C": 1, "Java": 0}
        """,
        (8, 15),
        "choices",
    ),
    (
        "order item",
        """
        - id: a
          type: order
          prompt: Order them.
          items:
            - Pact
            - Barbarossa # 1941
          examples:
            - {response: [Pact, Barbarossa], score: 1}
            - {response: [Barbarossa, Pact], score: 0.5}
        """,
        (9, 9),
        "items",
    ),
    (
        "date accept",
        """
        - id: a
          type: date
          prompt: When?
          answer: 1945-08-09
          accept:
            - 1945-08-08 # Moscow time
          examples: {"9 August 1945": 1, "1944": 0}
        """,
        (9, 9),
        "accept",
    ),
    (
        "wrong key",
        """
        - id: a
          type: text
          prompt: Which language?
          answer: Go
          wrong:
            ? C #sharp
            : Not that one.
          examples: {"Go": 1, "C": 0}
        """,
        (9, 9),
        "wrong",
    ),
    (
        "match pair",
        """
        - id: a
          type: match
          prompt: Match.
          pairs:
            Pact: 1939 # August
            Barbarossa: "1941"
          examples:
            - {response: {Pact: "1939", Barbarossa: "1941"}, score: 1}
            - {response: {Pact: "1941", Barbarossa: "1939"}, score: 0}
        """,
        (8, 13),
        "pairs",
    ),
    (
        "answer, a tab before the comment",
        """
        - id: a
          type: text
          prompt: Which language?
          answer: C\t#sharp
          examples: {"C": 1, "Java": 0}
        """,
        (7, 13),
        "answer",
    ),
    (
        "regex item",
        """
        - id: a
          type: text
          prompt: Which language?
          regex:
            - C #sharp
          examples: {"C": 1, "Java": 0}
        """,
        (8, 9),
        "regex",
    ),
    (
        "cloze text",
        """
        - id: a
          type: cloze
          prompt: Fill in.
          text: The language is [[C]] #sharp
          examples:
            - {response: ["C"], score: 1}
            - {response: ["D"], score: 0}
        """,
        (7, 11),
        "text",
    ),
]


@pytest.mark.parametrize(("name", "body", "where", "key"), CUT_CASES, ids=[c[0] for c in CUT_CASES])
def test_comment_that_cuts_a_graded_value_warns(
    tmp_path: Path, name: str, body: str, where: tuple[int, int], key: str
) -> None:
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is not None, report.lines()  # a warning does not stop loading
    cut = [w for w in report.warnings if "starts a comment" in w.message]
    assert [(w.line, w.col) for w in cut] == [where], report.warning_lines()
    assert f"'{key}' value is read as" in cut[0].message
    assert "quote the whole value" in cut[0].message


def test_comment_cutting_answer_is_explained_with_the_quoted_fix(tmp_path: Path) -> None:
    body = """
    - id: a
      type: text
      prompt: Which language?
      answer: C #sharp
      examples: {"C": 1, "Java": 0}
    """
    _, report = load(tmp_path, quiz(body))
    assert report.warning_lines()[0].endswith(
        "quizzes/q.yaml:7:13: warning: 'answer' value is read as 'C': in YAML ' #' after an "
        "unquoted value starts a comment. If '#sharp' is part of it, quote the whole value "
        '("C #sharp"); if it is a comment, put it on a line of its own'
    )


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u2003", "\u202f"])
def test_a_comment_after_a_unicode_space_still_warns(tmp_path: Path, space: str) -> None:
    """YAML keeps a no-break (or other Unicode) space in the value, so ' #' after it
    still starts a comment that cuts the value (a fresh-eyes differential test found
    the quick pre-check skipping such files)."""
    body = f"""
    - id: a
      type: text
      prompt: Which language?
      answer: C{space} #sharp
      examples: {{"C{space}": 1, "Java": 0}}
    """
    _, report = load(tmp_path, quiz(body))
    cut = [w for w in report.warnings if "starts a comment" in w.message]
    assert [(w.line, w.col) for w in cut] == [(7, 13)], report.warning_lines()


def test_comments_elsewhere_or_after_quoted_values_do_not_warn(tmp_path: Path) -> None:
    body = """
    - id: a # the first
      type: text # text
      prompt: Which language? # prompt
      answer: "C #sharp" # quoted: nothing was cut
      # a comment on its own line
      explanation: It is C#. # not graded
      examples: {"C #sharp": 1, "C": 0}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is not None and report.warnings == []
    question = bundle.quizzes[0].questions[0]
    assert isinstance(question, TextQuestion) and question.matcher.answers == ("C #sharp",)


# --- section written as heading text ---------------------------------------------------


def test_section_as_heading_text_warns_and_uses_the_anchor(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true
      section: The War with Japan
      examples: {"true": 1, "false": 0}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is not None, report.lines()
    assert warnings(report) == [
        "section 'The War with Japan' is a heading's text, not its anchor; did you mean "
        "`the-war-with-japan`? (used; write section: the-war-with-japan)"
    ]
    assert bundle.quizzes[0].questions[0].section == "the-war-with-japan"
    assert bundle.quizzes[0].definitions[0]["section"] == "the-war-with-japan"


def test_section_matching_two_headings_is_an_error(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true
      section: Background
      examples: {"true": 1, "false": 0}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is None
    (message,) = messages(report)
    assert "it could be `background` or `background-1`" in message


def test_section_close_to_a_heading_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true
      section: War with Japan
      examples: {"true": 1, "false": 0}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is None
    assert messages(report) == [
        "section 'War with Japan' is not a heading anchor of lesson 'l'; did you mean "
        "`the-war-with-japan`?"
    ]


# --- numbers as authors write them -----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ('answer: "500,000"', {"answer": 500_000}),
        ("answer: 500,000", {"answer": 500_000}),
        ('answer: "20 million"', {"answer": 20_000_000}),
        ('answer: "1.5 million"', {"answer": 1_500_000}),
        ('answer: "1.418 million"', {"answer": 1_418_000}),
        ('answer: "1418"', {"answer": 1418}),
        ('answer: "twenty million"', {"answer": 20_000_000}),
        ('answer: 20000000\n    tolerance: "500,000"', {"tolerance": 500_000}),
        ('answer: 100\n    tolerance: "5%"', {"tolerance": 0.05, "relative": True}),
        ('range: ["20 million", "25,000,000"]', {"range": (20_000_000, 25_000_000)}),
    ],
)
def test_author_numbers_read_like_learner_input(
    tmp_path: Path, field: str, expected: dict[str, object]
) -> None:
    text = f"""title: T
lesson: l
questions:
  - id: a
    type: number
    prompt: How many?
    {field}
{EXAMPLES}"""
    bundle, report = load(tmp_path, text)
    assert bundle is not None, report.lines()
    question = bundle.quizzes[0].questions[0]
    assert isinstance(question, NumberQuestion)
    for key, value in expected.items():
        assert getattr(question, key) == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ('"about 20 million"', "is approximate; write the exact number"),
        ('"~20m"', "is approximate"),
        ('"20.000.000"', "puts dots between thousands"),
        ('"1,5"', "uses a decimal comma"),
        ('"lots"', "must be a number, not 'lots'"),
    ],
)
def test_author_numbers_never_silently_change(tmp_path: Path, value: str, fragment: str) -> None:
    text = quiz(f"""
    - id: a
      type: number
      prompt: How many?
      answer: {value}
    """)
    bundle, report = load(tmp_path, text)
    assert bundle is None
    assert any(fragment in m for m in messages(report)), messages(report)


# --- extra_words, misconceptions ------------------------------------------------------


def test_extra_words_only_on_text_questions(tmp_path: Path) -> None:
    body = """
    - id: a
      type: date
      prompt: When?
      answer: 1945
      extra_words: true
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is None
    assert "unknown key 'extra_words' in question 'a'" in messages(report)[0]


COURSE = """title: C
misconceptions:
  pact-was-alliance: The 1939 pact was an alliance rather than a non-aggression treaty.
  winter-war-won-easily: The Winter War was a quick, cheap victory.
"""


def test_misconceptions_are_checked_and_stored_with_the_question(tmp_path: Path) -> None:
    body = """
    - id: a
      type: choice
      prompt: What was the 1939 pact?
      choices:
        - text: A non-aggression pact
          correct: true
        - text: A military alliance
          misconception: pact-was-alliance
      examples: {"A non-aggression pact": 1, "A military alliance": 0}
    - id: b
      type: text
      prompt: Who signed for the USSR?
      answer: Molotov
      wrong:
        Stalin: Stalin was present but did not sign.
        Ribbentrop: {feedback: He signed for Germany., misconception: pact-was-alliance}
        Zhukov: {misconception: winter-war-won-easily}
      examples: {"Molotov": 1, "Stalin": 0}
    """
    bundle, report = load(tmp_path, quiz(body), course=COURSE)
    assert bundle is not None, report.lines()
    assert dict(bundle.course.misconceptions)["pact-was-alliance"].startswith("The 1939 pact")
    first, second = bundle.quizzes[0].definitions
    assert first["choices"][1]["misconception"] == "pact-was-alliance"
    assert second["wrong"] == {
        "Stalin": "Stalin was present but did not sign.",
        "Ribbentrop": {"feedback": "He signed for Germany.", "misconception": "pact-was-alliance"},
        "Zhukov": {"misconception": "winter-war-won-easily"},
    }


def test_unknown_misconception_is_an_error(tmp_path: Path) -> None:
    body = """
    - id: a
      type: text
      prompt: Who?
      answer: Molotov
      wrong:
        Ribbentrop: {feedback: No., misconception: pact-was-aliance}
      examples: {"Molotov": 1, "x": 0}
    """
    bundle, report = load(tmp_path, quiz(body), course=COURSE)
    assert bundle is None
    assert report.lines()[0].endswith(
        "q.yaml:9:50: unknown misconception 'pact-was-aliance'; did you mean 'pact-was-alliance'?"
    )
    _, bare = load(tmp_path / "bare", quiz(body))
    assert "list it under 'misconceptions:' in course.yaml" in messages(bare)[0]


def test_misconception_slugs_in_course_yaml_are_checked(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true
      examples: {"true": 1, "false": 0}
    """
    course = 'misconceptions:\n  "not a slug": x\n  empty: ""\n'
    bundle, report = load(tmp_path, quiz(body), course=course)
    assert bundle is None
    assert messages(report) == [
        "misconception 'not a slug' is not a slug (letters, digits, -, _)",
        "misconception 'empty' needs a one-line description",
    ]


# --- drafts ----------------------------------------------------------------------------


def test_drafts_are_validated_and_left_out_when_published(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true
      examples: {"true": 1, "false": 0}
    - id: b
      type: true_false
      prompt: Draft question
      answer: true
      draft: true
      examples: {"true": 1, "false": 0}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is not None and report.warnings == [], report.warning_lines()
    live = published(bundle)
    assert [q.id for q in live.quizzes[0].questions] == ["a"]
    assert [d["id"] for d in live.quizzes[0].definitions] == ["a"]

    draft_quiz = quiz(body, head="title: T\nlesson: l\ndraft: true\n")
    bundle, report = load(tmp_path, draft_quiz)
    assert bundle is not None and len(bundle.quizzes) == 1
    assert published(bundle).quizzes == ()


def test_a_draft_is_still_validated(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: yes
      draft: true
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is None
    assert "write true or false" in messages(report)[0]


def test_a_draft_lesson_keeps_its_quiz_unpublished(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true
      examples: {"true": 1, "false": 0}
    """
    lesson = LESSON.replace("title: A lesson\n", "title: A lesson\ndraft: true\n")
    bundle, report = load(tmp_path, quiz(body), lesson=lesson)
    assert bundle is not None and bundle.lessons[0].draft
    assert warnings(report) == [
        "lesson 'l' is a draft, so this quiz is not published either until the lesson is "
        "(or mark the quiz draft: true too)"
    ]
    live = published(bundle)
    assert live.lessons == () and live.quizzes == ()


def test_pick_counts_published_questions(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true
    - id: b
      type: true_false
      prompt: Q
      answer: true
      draft: true
    """
    bundle, report = load(tmp_path, quiz(body, head="title: T\nlesson: l\npick: 2\n"))
    assert bundle is None
    assert "'pick' is 2 but the quiz has 1 questions (1 more are drafts)" in messages(report)


# --- examples that try both sides ------------------------------------------------------


@pytest.mark.parametrize(
    ("examples", "missing"),
    [
        ("", "a right response (score 1) or a wrong one (score below 1)"),
        ('    examples: {"Molotov": 1}\n', "a wrong one (score below 1)"),
        ('    examples: {"Stalin": 0}\n', "a right response (score 1)"),
    ],
)
def test_examples_without_a_right_and_a_wrong_response_warn(
    tmp_path: Path, examples: str, missing: str
) -> None:
    text = (
        "title: T\nlesson: l\nquestions:\n  - id: a\n    type: text\n    prompt: Who?\n"
        f"    answer: Molotov\n{examples}"
    )
    bundle, report = load(tmp_path, text)
    assert bundle is not None
    (message,) = warnings(report)
    assert message.startswith(f"question 'a' has no example of {missing}")


# --- every problem, even past a syntax error -------------------------------------------


def test_problems_after_a_syntax_error_are_reported(tmp_path: Path) -> None:
    text = """title: T
lesson: l
lesson: l
questions:
  - id: a
    type: text
    prompt: P
    answr: x
  - id: b
    type: text
    prompt: "unclosed
    answer: y
  - id: c
    type: choice
    prompt: P
    choices: [x, y]
"""
    bundle, report = load(tmp_path, text)
    assert bundle is None
    found = [(d.line, d.message.split(";")[0]) for d in sorted(report.problems)]
    assert (3, "duplicate key 'lesson' (first at line 2)") in found
    assert (8, "unknown key 'answr' in question 'a'") in found
    assert any(line == 11 and m.startswith("YAML syntax error") for line, m in found)
    assert (16, "a choice question needs exactly one correct choice") in found


def test_tabs_and_later_problems_are_reported_together(tmp_path: Path) -> None:
    text = "title: T\nlesson: l\nquestions:\n\t- id: a\n\t  type: txt\n\t  prompt: P\n"
    bundle, report = load(tmp_path, text)
    assert bundle is None
    assert any("tab character in indentation" in m for m in messages(report))
    assert any("unknown question type 'txt'" in m for m in messages(report))


def test_lesson_front_matter_error_does_not_hide_missing_media(tmp_path: Path) -> None:
    lesson = "---\ntitle: [unclosed\n---\n## A\n![map](media/none.png)\n"
    bundle, report = load(tmp_path, quiz("- id: a\n  type: true_false\n"), lesson=lesson)
    assert bundle is None
    assert any(m.startswith("YAML syntax error") for m in messages(report))
    assert any("media file 'media/none.png' does not exist" in m for m in messages(report))


# --- regexes that would hang -----------------------------------------------------------


def test_catastrophic_regex_is_an_error_not_a_slow_pass(tmp_path: Path) -> None:
    body = """
    - id: a
      type: text
      prompt: P
      regex: ['(a|aa)+b']
      examples: {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac": 0, "ab": 1}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is None
    (message,) = messages(report)
    assert message.startswith("regex '(a|aa)+b' takes longer than 50 ms on")
    assert "backtracks catastrophically" in message


def test_ordinary_regex_passes(tmp_path: Path) -> None:
    body = r"""
    - id: a
      type: text
      prompt: Which parallel?
      regex: ['(?:the\s+)?38(?:th)?\s+parallel', '[a-z]+ line']
      examples: {"the 38th parallel": 1, "38": 0}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is not None, report.lines()


# --- the JSON Schema knows the v1.1 fields ---------------------------------------------


def test_json_schema_accepts_v11_fields_and_rejects_misspellings() -> None:
    import jsonschema

    from course.content.jsonschema import quiz_schema

    schema = quiz_schema()
    data: dict[str, object] = {
        "title": "T",
        "lesson": "l",
        "draft": True,
        "questions": [
            {
                "id": "a",
                "type": "text",
                "prompt": "P",
                "answer": "Stalin",
                "extra_words": True,
                "section": "The war with Japan",
                "draft": True,
                "wrong": {
                    "Trotsky": "No.",
                    "Molotov": {"feedback": "No.", "misconception": "roles"},
                },
            },
            {
                "id": "b",
                "type": "choice",
                "prompt": "P",
                "choices": [{"text": "x", "correct": True}, {"text": "y", "misconception": "m"}],
            },
            {
                "id": "c",
                "type": "number",
                "prompt": "P",
                "answer": "20 million",
                "tolerance": "500,000",
            },
            {"id": "d", "type": "number", "prompt": "P", "range": ["20 million", 25000000]},
        ],
    }
    jsonschema.validate(data, schema)
    questions = data["questions"]
    assert isinstance(questions, list)
    questions[0]["wrong"]["Molotov"]["misconseption"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


# --- odd files outside authors write ----------------------------------------------------


def test_file_name_used_as_id_must_be_a_slug(tmp_path: Path) -> None:
    load(tmp_path, quiz("- id: a\n  type: true_false\n  prompt: P\n  answer: true\n"))
    (tmp_path / "quizzes" / "q.yaml").rename(tmp_path / "quizzes" / "my quiz.yaml")
    (tmp_path / "lessons" / "l.md").rename(tmp_path / "lessons" / "My Lesson.md")
    bundle, report = validate_root(tmp_path)
    assert bundle is None
    assert sorted(report.lines()) == [
        f"{tmp_path}/lessons/My Lesson.md:1:1: the file name 'My Lesson' is used as the id but "
        "is not a slug (letters, digits, - and _); rename the file or set 'id:'",
        f"{tmp_path}/quizzes/my quiz.yaml:1:1: the file name 'my quiz' is used as the id but "
        "is not a slug (letters, digits, - and _); rename the file or set 'id:'",
        f"{tmp_path}/quizzes/my quiz.yaml:2:9: lesson 'l' does not exist (lessons: none)",
    ]


def test_tag_does_not_hide_later_problems_and_limits_are_not_called_empty(
    tmp_path: Path,
) -> None:
    text = (
        "title: T\nlesson: l\nquestions:\n  - !!python/object:os.system\n    id: a\n"
        "  - id: b\n    type: order\n    prompt: P\n    items: [x]\n"
    )
    bundle, report = load(tmp_path, text)
    assert bundle is None
    found = messages(report)
    assert any(m.startswith("tag tag:yaml.org,2002:python/object:os.system") for m in found)
    assert "'items' needs at least two items to order" in found
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef", strict=True)
    )
    _, report = load(tmp_path, bomb)
    assert messages(report) == [
        "aliases expand to more than 200,000 nodes (limit); write the data out instead"
    ]


def test_broken_lesson_does_not_make_its_quiz_say_it_is_missing(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true
    - id: a
      type: true_false
      prompt: P
      answer: maybe
    """
    bundle, report = load(tmp_path, quiz(body), lesson="---\ntitle: L\nminutes: 0\n---\n")
    assert bundle is None
    assert messages(report) == [
        "'minutes' must be at least 1, not 0",
        "'answer' must be true or false, not 'maybe'",
        "duplicate question id 'a' (first at line 4)",
    ]


def test_comment_after_a_boolean_answer_says_to_move_it(tmp_path: Path) -> None:
    body = """
    - id: a
      type: true_false
      prompt: P
      answer: true # it was
      examples: {"true": 1, "false": 0}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is not None
    assert warnings(report) == [
        "'answer' value is read as 'true': in YAML ' #' after an unquoted value starts a "
        "comment. Put the comment on a line of its own, above the answer"
    ]


def test_wrong_answer_equal_to_an_accepted_one_is_an_error(tmp_path: Path) -> None:
    body = """
    - id: a
      type: text
      prompt: Whose order?
      answer: [Stalin's, USSR]
      wrong:
        Stalins: Not quite.
        U.S.S.R.: {feedback: No.}
        Stalin: Whose order, not who.
      examples: {"Stalin's": 1, "Stalin": 0}
    """
    bundle, report = load(tmp_path, quiz(body))
    assert bundle is None
    assert messages(report) == [
        "wrong answer 'Stalins' is the accepted answer \"Stalin's\" once case, punctuation and "
        "spacing are ignored, so learners giving it get full marks; remove it from 'wrong' or "
        "from 'answer'",
        "wrong answer 'U.S.S.R.' is the accepted answer 'USSR' once case, punctuation and "
        "spacing are ignored, so learners giving it get full marks; remove it from 'wrong' or "
        "from 'answer'",
    ]


def test_an_unclosed_bracket_is_one_error_where_it_opened(tmp_path: Path) -> None:
    """A [ left open swallows the lines after it: reported once, at the bracket, and the
    later questions' own problems still found (a tester saw 14 identical errors, one per
    following line, and none of the real ones after)."""
    text = """title: T
lesson: l
questions:
  - id: a
    type: text
    prompt: [unclosed
    answer: x
  - id: b
    type: text
    promt: Hello
    answer: y
"""
    bundle, report = load(tmp_path, text)
    assert bundle is None
    syntax = [d for d in report.problems if d.message.startswith("YAML syntax error")]
    assert [(d.line, d.col) for d in syntax] == [(6, 13)]
    assert "the '[' opened here is never closed" in syntax[0].message
    assert any("unknown key 'promt'" in m for m in messages(report))


def test_a_lesson_with_problems_still_checks_its_quizzes_sections(tmp_path: Path) -> None:
    """A missing image in the lesson is its own error; the quiz's sections are still
    checked against the lesson's headings (they were silently skipped)."""
    lesson = "---\ntitle: L\n---\n## Free fall\nThings fall.\n![map](media/none.png)\n"
    text = quiz(
        """
        - id: a
          type: true_false
          prompt: P
          answer: true
          section: Fre fall
        - id: b
          type: true_false
          prompt: P
          answer: true
          section: Free fall
        """
    )
    bundle, report = load(tmp_path, text, lesson=lesson)
    assert bundle is None
    assert any("media file 'media/none.png' does not exist" in m for m in messages(report))
    assert any(
        "section 'Fre fall' is not a heading anchor of lesson 'l'" in m for m in messages(report)
    )
    assert any("section 'Free fall' is a heading's text" in m for m in warnings(report))
    assert not any("does not exist (lessons" in m for m in messages(report))


def test_a_yaml_merge_key_is_named_not_dropped(tmp_path: Path) -> None:
    text = quiz(
        """
        - &base
          id: a
          type: true_false
          prompt: P
          answer: true
        - <<: *base
          id: b
        """
    )
    bundle, report = load(tmp_path, text)
    assert bundle is None
    assert any("YAML merge keys ('<<: *name') are not supported" in m for m in messages(report))


def test_a_misspelt_example_key_is_named(tmp_path: Path) -> None:
    text = quiz(
        """
        - id: a
          type: text
          prompt: P
          answer: x
          examples:
            - {respone: x, score: 1}
            - {response: y, score: 0}
        """
    )
    _bundle, report = load(tmp_path, text)
    assert "unknown key 'respone' in example; did you mean 'response'?" in messages(report)
    assert not any("an example is a mapping" in m for m in messages(report))
    assert not any("an example needs 'response'" in m for m in messages(report))  # once


def test_a_number_key_may_carry_its_unit_as_learners_write_it(tmp_path: Path) -> None:
    """'answer: "40%"' where the unit is %: read by the learners' reader with the unit
    (it was refused while "40 percent" from a learner counted)."""
    text = quiz(
        """
        - id: a
          type: number
          prompt: What share?
          unit: "%"
          answer: "40%"
          tolerance: "5 percent"
          examples: {"40 percent": 1, "20%": 0}
        - id: c
          type: number
          prompt: What share?
          unit: percent
          range: ["30 percent", "50%"]
          examples: {"40%": 1, "20 percent": 0}
        - id: b
          type: number
          prompt: How far?
          unit: km
          answer: "40%"
        """
    )
    _bundle, report = load(tmp_path, text)
    problems = messages(report)
    assert [m for m in problems if "must be a number" in m or "'range'" in m] == [
        "'answer' must be a number, not '40%' (write e.g. 20000000, \"20,000,000\" or "
        '"20 million")'
    ]
