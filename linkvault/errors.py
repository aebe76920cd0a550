"""linkvault's exceptions, and the one place they become messages and exit codes.

    LinkvaultError              exit 2 unless a subclass says otherwise
    ├── InputError              a report (or another input file) cannot be read as asked
    │   ├── EmptyReport         the file holds no text at all
    │   ├── BinaryInput         the file is not text in any encoding we know
    │   └── NoFootnotes         the report has neither citation markers nor a footnote list
    ├── UsageError              options that cannot work together
    └── IntegrityError          exit 1: archived evidence no longer matches its recorded digest

Library code raises these and never prints or exits; `cli.py` shows `message` on one line and
exits with `exit_code`. An outcome for one URL (dead, walled…) is a state, never an exception.
"""

from __future__ import annotations


class LinkvaultError(Exception):
    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.path = path
        self.line = line

    @property
    def message(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = " ".join(str(self.args[0]).split())
        return f"{where}{text}"


class InputError(LinkvaultError):
    """A report cannot be read as asked."""


class EmptyReport(InputError):
    """The report file holds no text."""


class BinaryInput(InputError):
    """The report file is binary data, not text in any encoding we recognise."""


class NoFootnotes(InputError):
    """The report has neither citation markers nor a footnote list."""


class UsageError(LinkvaultError):
    """Options that cannot work together."""


class IntegrityError(LinkvaultError):
    """Archived evidence no longer matches the digest recorded when it was taken; refuse to hand it on."""

    exit_code = 1
