"""The one error type a user sees: where the bad input is, and what is allowed instead."""

from __future__ import annotations

from pathlib import Path


class NapkinError(Exception):
    """Bad user input: names the file, the field path and what is allowed.

    The CLI prints it on one line (or a few) and exits with status 2; it never shows a
    traceback. The Python API raises it so a notebook user gets the same message.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        field: str | None = None,
        show_field: bool = True,
    ) -> None:
        """`show_field=False` keeps `field` for callers when the message already names it
        (a list of several fields' problems, the first of which is `field`)."""
        self.message = message
        self.file = file
        self.field = field
        self.show_field = show_field
        super().__init__(str(self))

    def __str__(self) -> str:
        shown = self.field if self.show_field else None
        where = ": ".join(part for part in (self.file, shown) if part)
        return f"{where}: {self.message}" if where else self.message


def refuse_overwrite(path: Path, force: bool) -> None:
    """Nothing a user wrote is overwritten unless they asked (`--force`)."""
    if path.exists() and not force:
        raise NapkinError("already exists; pass --force to overwrite it", file=str(path))


def writable(path: Path, force: bool) -> None:
    """Refuse, before any work, a path we could not write: an existing file without
    `--force`, a directory, a missing folder, or a folder we may not write into."""
    import os

    if path.is_dir():
        raise NapkinError("is a directory; give a file path", file=str(path))
    refuse_overwrite(path, force)
    folder = path.parent
    if not folder.is_dir():
        raise NapkinError(f"folder {folder} does not exist; create it first", file=str(path))
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise NapkinError("not writable (permission denied)", file=str(path))
