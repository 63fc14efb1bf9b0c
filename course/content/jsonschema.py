"""JSON Schema of the quiz format, generated from :mod:`course.content.schema`.

Point an editor's YAML extension at it for autocompletion and inline errors
(docs/quiz-format.md shows how).
"""

from __future__ import annotations

from typing import Any

from course.content.model import QuestionType
from course.content.schema import (
    COMMON_FIELDS,
    QUIZ_FIELDS,
    SOURCE_FIELDS,
    TYPE_FIELDS,
    Field,
    Kind,
)

_TEXT: dict[str, Any] = {"type": ["string", "number", "boolean"]}
_PERCENT = {"type": "string", "pattern": r"^\d+(\.\d+)?\s*%$"}
_DATE = {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}


def _examples() -> dict[str, Any]:
    score = {"type": "number", "minimum": 0, "maximum": 1}
    return {
        "oneOf": [
            {"type": "object", "additionalProperties": score},
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["response", "score"],
                    "properties": {"response": {}, "score": score},
                    "additionalProperties": False,
                },
            },
        ]
    }


def _choices() -> dict[str, Any]:
    return {
        "type": "array",
        "minItems": 2,
        "items": {
            "oneOf": [
                _TEXT,
                {
                    "type": "object",
                    "required": ["text"],
                    "additionalProperties": False,
                    "properties": {
                        "text": _TEXT,
                        "correct": {"type": "boolean"},
                        "feedback": {"type": "string"},
                        "misconception": kind_schema(Kind.ID),
                    },
                },
            ]
        },
    }


def kind_schema(kind: Kind) -> dict[str, Any]:  # noqa: C901 - one entry per kind
    """The schema fragment for one field kind."""
    match kind:
        case Kind.ID:
            return {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"}
        case Kind.TEXT | Kind.MARKDOWN:
            return dict(_TEXT)
        case Kind.BOOL:
            return {"type": "boolean"}
        case Kind.NUMBER:
            # Contract v1.1: also a string written as learners type it ("20 million").
            return {"type": ["number", "string"]}
        case Kind.POSITIVE_NUMBER:
            return {"type": "number", "exclusiveMinimum": 0}
        case Kind.COUNT:
            return {"type": "integer", "minimum": 1}
        case Kind.NON_NEGATIVE_INT:
            return {"type": "integer", "minimum": 0}
        case Kind.FRACTION:
            return {"oneOf": [{"type": "number", "minimum": 0, "maximum": 1}, _PERCENT]}
        case Kind.SIMILARITY:
            return {"type": "number", "minimum": 0, "maximum": 1}
        case Kind.TOLERANCE:
            return {"oneOf": [{"type": "number", "minimum": 0}, {"type": "string"}]}
        case Kind.RANGE:
            return {
                "type": "array",
                "items": {"type": ["number", "string"]},
                "minItems": 2,
                "maxItems": 2,
            }
        case Kind.TEXT_OR_LIST:
            return {"oneOf": [_TEXT, {"type": "array", "items": _TEXT, "minItems": 1}]}
        case Kind.TEXT_LIST:
            return {"type": "array", "items": _TEXT}
        case Kind.DATE:
            return {"oneOf": [_DATE, {"type": "integer"}]}
        case Kind.DATE_LIST:
            return {"type": "array", "items": {"oneOf": [_DATE, {"type": "integer"}]}}
        case Kind.CHOICES:
            return _choices()
        case Kind.TEXT_MAP:
            return {"type": "object", "additionalProperties": _TEXT}
        case Kind.URL:
            return {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"}
        case Kind.SOURCE:
            return {
                "type": "object",
                "additionalProperties": False,
                "properties": {f.name: kind_schema(f.kind) for f in SOURCE_FIELDS},
            }
        case Kind.EXAMPLES:
            return _examples()
        case Kind.WRONG:
            return {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [
                        {"type": "string"},
                        {
                            "type": "object",
                            "minProperties": 1,
                            "additionalProperties": False,
                            "properties": {
                                "feedback": {"type": "string"},
                                "misconception": kind_schema(Kind.ID),
                            },
                        },
                    ]
                },
            }
        case Kind.FEEDBACK_MODE:
            return {"enum": ["immediate", "end"]}
        case Kind.QUESTION_TYPE:
            return {"enum": [t.value for t in QuestionType]}
        case Kind.QUESTIONS:
            return {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/question"}}


def _object(fields: tuple[Field, ...], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    properties = {f.name: {**kind_schema(f.kind), "description": f.description} for f in fields}
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": [f.name for f in fields if f.required],
        "additionalProperties": False,
    }
    if extra:
        schema.update(extra)
    return schema


def quiz_schema() -> dict[str, Any]:
    """The whole quiz-file schema (draft 2020-12)."""
    variants = []
    for qtype in QuestionType:
        variant = _object(COMMON_FIELDS + TYPE_FIELDS[qtype])
        variant["properties"]["type"] = {
            "const": qtype.value,
            "description": f"A {qtype.value} question.",
        }
        variants.append({"if": {"properties": {"type": {"const": qtype.value}}}, "then": variant})
    question = {
        "type": "object",
        "required": ["id", "type", "prompt"],
        "properties": {"type": kind_schema(Kind.QUESTION_TYPE)},
        "allOf": variants,
    }
    schema = _object(QUIZ_FIELDS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://course.example/schemas/quiz-v1.1.json",
        "title": "course quiz file (contract v1.1)",
        **schema,
        "$defs": {"question": question},
    }
