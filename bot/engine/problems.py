"""A problem found in a flow or locale file, printed as `path:line: message`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"  # "error" fails `flows check`; "warning" is only shown

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


class FlowError(Exception):
    """The flow set cannot be used as loaded (the validator says why)."""
