"""Every exception class of the library, and the Issue / Report records.

Structural problems raise (an :class:`InputError` naming the file and line / JSON path / XML
element); record-level problems become an :class:`Issue` in the :class:`Report` and the record is
skipped. With ``strict=True`` the report turns every skip into an :class:`InputError`.

Exit codes: 0 ok, 1 data or validation errors (or records skipped), 2 usage errors.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from .option_names import opt_on

Severity = Literal["error", "warning", "info"]


# ------------------------------------------------------------------------ root and usage


class PrelabelError(Exception):
    """Root of every exception this library raises on purpose."""

    exit_code = 1


class UsageError(PrelabelError):
    """The caller asked for something impossible or contradictory (bad option, missing file)."""

    exit_code = 2


class UnknownFormatError(UsageError):
    """No reader is registered under the requested name."""


# ---------------------------------------------------------------------------------- input


class InputError(PrelabelError):
    """The input cannot be read as the declared format; ``location`` says where."""

    def __init__(self, message: str, location: str | None = None, code: str = "input_error") -> None:
        self.message = message
        self.location = location
        self.code = code
        super().__init__(f"{location}: {message}" if location else message)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled whole (a worker process raises it)
        return (type(self), (self.message, self.location, self.code))

    def with_hint(self, hint: str) -> InputError:
        """The same error (same class, location and code) with ``hint`` appended to its message."""
        err = type(self).__new__(type(self))
        InputError.__init__(err, self.message + hint, self.location, self.code)
        return err


class SkipWarning(UserWarning):
    """A record was skipped (``iter_payloads(..., on_skip="warn")``)."""


class NoObjects(InputError):
    """A valid COCO file of a task that carries no objects (captions, panoptic, ...)."""


# ----------------------------------------------------------------------------- validation


class SchemaValidationError(PrelabelError):
    """A payload failed the JSON Schemas or the semantic checks; ``issues`` lists every problem."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        first = issues[0] if issues else None
        head = f"{first.location}: {first.message}" if first else "invalid payload"
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        super().__init__(f"payload validation failed: {head}{more}")

    def __reduce__(self) -> str | tuple[Any, ...]:  # pickled whole (a worker process raises it)
        if type(self) is not SchemaValidationError:
            return super().__reduce__()
        return (SchemaValidationError, (self.issues,))


class PayloadsInvalidError(SchemaValidationError):
    """Some payloads are invalid; nothing was sent. ``invalid`` of ``total`` payloads failed."""

    def __init__(self, issues: list[Issue], invalid: int, total: int, not_listed: int = 0) -> None:
        super().__init__(issues)
        self.invalid = invalid
        self.total = total
        self.not_listed = not_listed
        first = self.args[0]
        self.args = (f"{invalid} of {total} payload(s) invalid, nothing was submitted; first: {first}",)


# --------------------------------------------------------------------------------- output


class OutputError(PrelabelError):
    """Writing the output failed (disk full, file-size limit, permissions); nothing was left behind."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: handled as Ctrl-C (temporary files removed); exit 128 + ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


# ----------------------------------------------------------------------------- Playment API


class ApiError(PrelabelError):
    """The Playment API answered with an error or could not be reached."""


class PlaymentApiError(ApiError):
    """An API call failed; ``status`` (None when no answer), Playment ``code`` and ``message``."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "api_error",
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.attempts = attempts
        self.retry_after = retry_after
        super().__init__(self._text())

    def _text(self) -> str:
        head = f"HTTP {self.status} {self.code}" if self.status is not None else self.code
        tail = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
        return f"{head}: {self.message}{tail}"

    def with_attempts(self, attempts: int) -> PlaymentApiError:
        """Record how many attempts were made (and say so in the message); returns ``self``."""
        self.attempts = attempts
        self.args = (self._text(),)
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class AuthError(PlaymentApiError):
    """HTTP 401/403 or an auth ``error.code``: wrong key or no access. Never retried; exit 2."""

    exit_code = 2


class RequestRejectedError(PlaymentApiError):
    """A 4xx answer (FS_*, GE_*, ...): the request itself is wrong; retrying cannot help."""


class DuplicateReferenceError(RequestRejectedError):
    """FS_0001: a job with this reference_id exists in the project (count it as created)."""


class DuplicateBatchError(RequestRejectedError):
    """BATCH_CREATION: a batch with this name exists in the project."""


class ServerError(PlaymentApiError):
    """5xx or 408 on every attempt."""

    retryable = True


class RateLimitError(ServerError):
    """429 on every attempt (or a ``Retry-After`` longer than the remaining time budget)."""


class ApiConnectionError(PlaymentApiError):
    """No answer: connection refused / reset / dropped before the response."""

    retryable = True


class ApiTimeoutError(ApiConnectionError):
    """No answer within the timeout."""


class MalformedResponseError(PlaymentApiError):
    """A 2xx answer whose body is not the documented envelope (retried: creation is idempotent)."""

    retryable = True


# ------------------------------------------------ internal control flow (never escape the library)


class RecordSkip(Exception):
    """Internal: raised inside a reader for one record that cannot be converted; the reader catches
    it and calls ``Report.skip(code, message, location)``. Never escapes the library."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RleError(RecordSkip, ValueError):
    """Internal: a COCO RLE that cannot be decoded; ``code`` is the report reason code."""


class MaskError(Exception):
    """Internal: a VOC mask file cannot be used (unreadable, unknown colours); reported as a warning."""


class StreamCheckFailed(Exception):
    """Internal: a piece of a streamed video job failed a check; the caller builds the whole
    payload to locate the issues."""


@dataclass(slots=True, frozen=True)
class Issue:
    """One problem found in the input or in a payload, with a stable reason code.

    ``location`` is the text shown to people (file, line, JSON path); ``path`` is the JSON path
    inside a payload as parts, like jsonschema's ``absolute_path`` (``("data", "video_data",
    "frames", 0, "frame_id")``), ``()`` when the issue is not inside a payload. ``to_dict`` (the
    ``--report`` JSON) leaves ``path`` out, so report files are unchanged.
    """

    severity: Severity
    code: str
    message: str
    location: str = ""
    path: tuple[str | int, ...] = ()

    def to_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "location": self.location,
        }

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity} [{self.code}] {self.message}"


def issue_lines(issues: list[Issue], limit: int, not_listed: int = 0, hint: str = "") -> list[str]:
    """The first ``limit`` issues, indented, then ``... N more<hint>`` for the rest (``not_listed``
    counts issues that were never kept in the list)."""
    lines = [f"  {issue}" for issue in issues[:limit]]
    more = len(issues) + not_listed - limit
    if more > 0:
        lines.append(f"  ... {more} more{hint}")
    return lines


@dataclass
class Report:
    """Counts and issues of one run; the conservation law is ``records_read = converted + skipped``.

    Readers bump ``records_read`` for every input record (annotation, label line, shape) and call
    :meth:`skip` for each record they cannot convert. Later stages count objects they filter out
    (label map, score threshold) with :meth:`filtered` and geometry they changed with :meth:`warn`.
    """

    strict: bool = False
    max_issues: int = 100_000
    records_read: int = 0
    objects_read: int = 0
    objects_emitted: int = 0
    frames: int = 0
    jobs: int = 0
    clamped_points: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    filtered_by: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    emitted_by_kind: Counter[str] = field(default_factory=Counter)
    issues: list[Issue] = field(default_factory=list)
    issues_dropped: int = 0
    #: The format ``fmt="auto"`` chose and the file that showed it (None when the caller named it).
    input_format: str | None = None
    #: ``link_tracks``: the method, trackers made, links made, gaps bridged (None when not linking).
    linking: dict[str, Any] | None = None

    @property
    def records_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def records_converted(self) -> int:
        return self.records_read - self.records_skipped

    def _add(self, issue: Issue) -> None:
        if len(self.issues) < self.max_issues:
            self.issues.append(issue)
        else:
            self.issues_dropped += 1

    def merge(self, other: Report) -> None:
        """Add the counts and issues of ``other`` (a part of the same run, done elsewhere) after
        this report's own, as if they had been counted here in that order."""
        self.records_read += other.records_read
        self.objects_read += other.objects_read
        self.objects_emitted += other.objects_emitted
        self.frames += other.frames
        self.jobs += other.jobs
        self.clamped_points += other.clamped_points
        self.skipped.update(other.skipped)
        self.filtered_by.update(other.filtered_by)
        self.warnings.update(other.warnings)
        self.emitted_by_kind.update(other.emitted_by_kind)
        for issue in other.issues:
            self._add(issue)
        self.issues_dropped += other.issues_dropped

    def skip(self, code: str, message: str, location: str = "") -> None:
        """A record could not be converted; with ``strict`` this raises instead."""
        if self.strict:
            raise InputError(f"{message} [{code}] ({opt_on('strict')})", location, code)
        self.skipped[code] += 1
        self._add(Issue("error", code, message, location))

    def warn(self, code: str, message: str, location: str = "", count: int = 1) -> None:
        """Something was changed or dropped inside a record that was still converted."""
        self.warnings[code] += count
        self._add(Issue("warning", code, message, location))

    def filtered(self, reason: str, count: int = 1) -> None:
        """Objects removed on purpose by the selection options (not an error)."""
        self.filtered_by[reason] += count

    @property
    def ok(self) -> bool:
        """True when nothing was skipped (warnings and filters are fine)."""
        return self.records_skipped == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "records_read": self.records_read,
            "records_converted": self.records_converted,
            "records_skipped": self.records_skipped,
            "skipped_by_code": dict(sorted(self.skipped.items())),
            "objects_read": self.objects_read,
            "objects_filtered": dict(sorted(self.filtered_by.items())),
            "objects_emitted": self.objects_emitted,
            "emitted_by_kind": dict(sorted(self.emitted_by_kind.items())),
            "warnings_by_code": dict(sorted(self.warnings.items())),
            "clamped_points": self.clamped_points,
            "frames": self.frames,
            "jobs": self.jobs,
            "issues": [i.to_dict() for i in self.issues],
            "issues_not_listed": self.issues_dropped,
        } | ({"input_format": self.input_format} if self.input_format else {}) | (
            {"linking": self.linking} if self.linking else {})

    def summary_lines(self) -> list[str]:
        """A one-screen summary for stderr."""
        lines = [
            f"records read      {self.records_read}",
            f"  converted       {self.records_converted}",
            f"  skipped         {self.records_skipped}",
        ]
        lines += [f"    {code:<22} {n}" for code, n in sorted(self.skipped.items())]
        lines.append(f"objects read      {self.objects_read}")
        if self.linking:
            lines.append(f"tracks linked     {self.linking['trackers_made']} trackers ({self.linking['method']}), "
                         f"{self.linking['links_made']} links, {self.linking['gaps_bridged']} gaps bridged")
        if self.filtered_by:
            lines.append(f"  filtered        {sum(self.filtered_by.values())}")
            lines += [f"    {code:<22} {n}" for code, n in sorted(self.filtered_by.items())]
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.emitted_by_kind.items()))
        lines.append(f"objects emitted   {self.objects_emitted}" + (f" ({kinds})" if kinds else ""))
        lines.append(f"points clamped    {self.clamped_points}")
        if self.warnings:
            lines.append(f"warnings          {sum(self.warnings.values())}")
            lines += [f"    {code:<22} {n}" for code, n in sorted(self.warnings.items())]
        lines.append(f"frames            {self.frames}")
        lines.append(f"jobs              {self.jobs}")
        return lines
