"""Writing the file a command was asked to write, with one rule for every command.

Every command that writes a file (``schema -o``, the exports, ``draft-quiz``, the imports,
``export-content``) behaves the same: missing parent folders are created, as ``mkdir -p``
would; a path that is a folder, or that runs through a file, and a file that cannot be
written (no permission, a read-only or special file system such as /proc, a full disk)
end in one :class:`~course.errors.InvalidInput` naming the path, the cause and what to
do, never in a traceback. The check can run before the work (:func:`check_output`), so a
long export is not computed for nothing, and runs again when writing
(:func:`write_output`).
"""

from __future__ import annotations

from pathlib import Path

from course.errors import InvalidInput

_HOW = "choose a file in a folder you can write to"


def _blocker(path: Path) -> Path | None:
    """The first existing ancestor of ``path`` that is not a folder, if any."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def check_output(path: Path, example: str = "out") -> None:
    """Refuse a path that can never be written as a file, before any work is done.

    Raises:
        InvalidInput: ``path`` is a folder, or one of its parents is a file.
    """
    if path.is_dir():
        raise InvalidInput(
            f"cannot write {path}: it is a folder; name a file in it, e.g. {path / example}"
        )
    blocker = _blocker(path)
    if blocker is not None:
        raise InvalidInput(f"cannot write {path}: {blocker} is a file, not a folder; {_HOW}")


def check_folder(path: Path) -> None:
    """Refuse a folder to write into that is a file, or runs through one.

    Raises:
        InvalidInput: ``path`` or one of its parents is a file.
    """
    blocker = path if path.exists() and not path.is_dir() else _blocker(path)
    if blocker is not None:
        raise InvalidInput(
            f"cannot write into the folder {path}: {blocker} is a file, not a folder; "
            "choose a folder you can write to"
        )


def unwritable(path: Path, exc: OSError) -> InvalidInput:
    """The error for an :class:`OSError` met while writing ``path``."""
    why = exc.strerror or type(exc).__name__
    return InvalidInput(f"cannot write {path}: {why}; {_HOW}")


def make_parents(path: Path) -> None:
    """Create the folders ``path`` needs (``mkdir -p``).

    Raises:
        InvalidInput: a parent is a file, or the folder cannot be created.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        check_output(path)  # a file in the way says so by name
        raise unwritable(path, exc) from exc


def write_output(path: Path, data: bytes | str, example: str = "out") -> None:
    """Write ``data`` (text as UTF-8) to ``path``, creating missing parent folders.

    Raises:
        InvalidInput: the path is a folder, runs through a file, or cannot be written.
    """
    check_output(path, example)
    make_parents(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.write_bytes(raw)
    except OSError as exc:
        raise unwritable(path, exc) from exc
