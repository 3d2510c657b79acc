"""Configuration errors that say which file, which key and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where (a key path or a line) and what."""

    where: str
    message: str

    def render(self, source: str) -> str:
        """`source: where message`, the one-line form the CLI prints."""
        return f"{source}: {self.where} {self.message}" if self.where else f"{source}: {self.message}"


class ConfigError(Exception):
    """An input file that cannot be used; nothing was written."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(problem.render(source) for problem in self.problems))

    @property
    def lines(self) -> list[str]:
        """Each problem as the one-line message shown to people."""
        return [problem.render(self.source) for problem in self.problems]


def read_input_file(path: Path) -> bytes:
    """The bytes of an input file; one that cannot be read is a `ConfigError` naming it."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigError(str(path), [Problem("", f"cannot be read: {error.strerror or error}")]) from error


def read_input_text(path: Path, encoding: str = "utf-8") -> str:
    """An input file as text; one that cannot be read, or is not UTF-8, is a `ConfigError` naming it."""
    try:
        return read_input_file(path).decode(encoding)
    except UnicodeDecodeError as error:
        raise ConfigError(str(path), [Problem("", "is not UTF-8 text")]) from error
