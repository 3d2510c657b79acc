"""Configuration errors that say which file, which key and what to do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
