"""Exit codes and the exceptions that carry them.

Every foreseeable failure is a ``C5Error``: the CLI prints its one-line message (and hint) on
stderr and exits with its code, never with a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes (docs/exit-codes.md); scripts and cron depend on them."""

    OK = 0
    ERROR = 1
    USAGE = 2
    PARTIAL = 3
    AUTH = 4
    LOCKED = 5
    FOUND = 6
    INTERRUPTED = 130


class C5Error(Exception):
    """A failure the operator can act on: a message, what to do, and an exit code."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(C5Error):
    """The configuration file, a key in it, or a secret reference is wrong."""

    exit_code = ExitCode.USAGE


class UsageError(C5Error):
    """The command line asks for something that cannot be done as written."""

    exit_code = ExitCode.USAGE


class OutputFailed(C5Error):
    """Standard output could not be written (a full disk): what was written is incomplete."""


class LocalFailure(C5Error):
    """This machine failed (a full or unusable temporary folder), not a site: where several sites
    are at work it names none, since running one alone would fail the same way."""


class OrderNotFound(C5Error):
    """The order number typed by the operator does not exist on the side that was asked."""


class AmbiguousOrder(C5Error):
    """The order number exists in more than one configured site; ``--site`` must choose."""

    exit_code = ExitCode.USAGE


class OrderChanged(C5Error):
    """The order changed between what the operator was shown and the write; nothing was written."""


class LockHeld(C5Error):
    """Another c5attn run holds the write lock for this site."""

    exit_code = ExitCode.LOCKED


class PartialFailure(C5Error):
    """Some writes succeeded and some did not; the message says which and how to finish."""

    exit_code = ExitCode.PARTIAL


class DismissalUnverified(PartialFailure):
    """The dismissal committed, but reading the errors back failed: the message says so, and
    what the command wrote before it."""


class AuditUnwritable(C5Error):
    """The audit log cannot be written: no write is made without its entry."""


class AuditIncomplete(PartialFailure):
    """A write's outcome that the audit log could not record: the write itself stands."""


class Interrupted(C5Error):
    """Ctrl-C in the middle of a write: the message says what was written and how to finish."""

    exit_code = ExitCode.INTERRUPTED


class NotConfirmed(C5Error):
    """A write needed confirmation and none could be given (no terminal, no ``--yes``)."""

    exit_code = ExitCode.USAGE


# --- Magento -------------------------------------------------------------------------------


class MagentoError(C5Error):
    """Any failure talking to Magento's REST API."""

    def __init__(self, message: str, hint: str | None = None, status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class WriteUnverified(MagentoError):
    """A write that may have landed: its answer was lost, and reading back could not tell."""

    exit_code = ExitCode.PARTIAL


class StatusUnverified(WriteUnverified):
    """A status write whose comment landed but whose read-back failed: the status is unknown."""


class MagentoAuthError(MagentoError):
    """401/403: wrong, expired or under-privileged credentials."""

    exit_code = ExitCode.AUTH


class MagentoNotFound(MagentoError):
    """404: an unknown entity or route."""


class MagentoValidationError(MagentoError):
    """400: Magento refused the request (for instance a status not assigned to the state)."""


class MagentoServerError(MagentoError):
    """5xx, or an answer that is not the JSON Magento promises."""


class MagentoTimeout(MagentoError):
    """No answer within the configured timeout."""


class MagentoConnectionError(MagentoError):
    """The host could not be reached (DNS, refused, reset)."""


class MagentoTLSError(MagentoError):
    """The TLS handshake or certificate check failed."""


class MagentoRedirected(MagentoError):
    """A write answered with a redirect (``magento_url`` is an old address): nothing was sent on,
    and every write to the site would meet the same."""


# --- Counterpoint --------------------------------------------------------------------------


class CounterpointError(C5Error):
    """Any failure talking to the Counterpoint database."""


class CounterpointDriverMissing(CounterpointError):
    """pyodbc, unixODBC or the named ODBC driver is not installed."""


class CounterpointAuthError(CounterpointError):
    """The database refused the login or a permission."""

    exit_code = ExitCode.AUTH


class CounterpointSchemaError(CounterpointError):
    """A configured table or column does not exist in the database."""


class CounterpointValueError(CounterpointError):
    """A value no column c5attn reads should hold ('x' for a quantity, a date that is no date).

    ``value`` is the very object the driver returned, so the store can find it in its row and name
    the table, column and document it came from (``CounterpointStore``)."""

    def __init__(self, message: str, hint: str | None = None, *, value: object) -> None:
        super().__init__(message, hint)
        self.value = value
