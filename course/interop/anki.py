"""Anki packages (``.apkg``) built with genanki from plain notes.

A note's GUID is derived from a stable key (course, quiz and question ids), so
importing a newer download into Anki updates the notes already there instead of adding
duplicates; the deck id and the note type id are derived the same way.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.interop.source import InteropUnavailable

_MODEL_KEY = "course-engine/question/v1"
_CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; }
.answer { font-weight: bold; } .explanation { margin-top: 1em; } ul { padding-left: 1.2em; }"""


@dataclass(frozen=True)
class AnkiNote:
    """One question as a note: HTML front and back, its stable key, its tags."""

    key: str
    front: str
    back: str
    tags: tuple[str, ...] = ()


def stable_id(key: str) -> int:
    """A 31-bit id from a key (Anki wants ids in 1 … 2**31; genanki suggests ≥ 2**30)."""
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:12], 16)
    return (1 << 30) + digest % (1 << 30)


def _genanki() -> Any:
    """genanki, imported on first use (a missing library must not stop the app)."""
    try:
        import genanki
    except ImportError as exc:
        raise InteropUnavailable(
            f"Anki decks need genanki, which cannot be loaded here ({exc}); reinstall the "
            "engine (`pip install --force-reinstall course`)"
        ) from exc
    return genanki


def note_guid(key: str) -> str:
    """The GUID Anki matches notes by on import."""
    return str(_genanki().guid_for(key))


def anki_tag(text: str) -> str:
    """Anki tags are space-separated: keep letters, digits, ``-_:``."""
    return "".join(c if c.isalnum() or c in "-_:" else "_" for c in text)


def _model() -> Any:
    return _genanki().Model(
        stable_id(_MODEL_KEY),
        "Course question",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Key"}],
        templates=[
            {
                "name": "Question",
                "qfmt": "{{Front}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
            }
        ],
        css=_CSS,
        sort_field_index=2,
    )


def build_package(deck_key: str, deck_name: str, notes: Sequence[AnkiNote]) -> bytes:
    """The ``.apkg`` bytes of one deck holding ``notes``."""
    genanki = _genanki()
    model = _model()
    deck = genanki.Deck(stable_id("deck/" + deck_key), deck_name)
    for note in notes:
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[note.front, note.back, note.key],
                guid=note_guid(note.key),
                tags=[anki_tag(t) for t in note.tags],
            )
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.apkg"
        genanki.Package(deck).write_to_file(str(path))
        return path.read_bytes()
