"""Validation problems with their source position, reported all at once."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one file: ``path:line:col: message`` (line and col from 1)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


@dataclass
class Report:
    """Every problem found while reading a content root.

    ``problems`` are errors: nothing loads while there is one. ``warnings`` (contract
    v1.1) do not stop loading; ``course validate --strict`` fails on them too.
    """

    problems: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def add(self, path: str, line: int, col: int, message: str) -> None:
        self.problems.append(Diagnostic(path, line, col, message))

    def extend(self, problems: list[Diagnostic]) -> None:
        self.problems.extend(problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """Problems sorted by file and position, formatted for a terminal."""
        return [str(p) for p in sorted(set(self.problems))]

    def warning_lines(self) -> list[str]:
        """Warnings sorted by file and position: ``path:line:col: warning: message``."""
        return [
            f"{w.path}:{w.line}:{w.col}: warning: {w.message}" for w in sorted(set(self.warnings))
        ]
