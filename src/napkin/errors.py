"""The one error type a user sees: where the bad input is, and what is allowed instead."""

from __future__ import annotations

from pathlib import Path


class NapkinError(Exception):
    """Bad user input: names the file, the field path and what is allowed.

    The CLI prints it on one line (or a few) and exits with status 2; it never shows a
    traceback. The Python API raises it so a notebook user gets the same message.
    """

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None) -> None:
        self.message = message
        self.file = file
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message


def refuse_overwrite(path: Path, force: bool) -> None:
    """Nothing a user wrote is overwritten unless they asked (`--force`)."""
    if path.exists() and not force:
        raise NapkinError("already exists; pass --force to overwrite it", file=str(path))
