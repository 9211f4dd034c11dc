"""A small, retrying client for the Playment jobs API (docs/playment-conventions.md C4, C16, C17).

Endpoints (paths configurable, C4)::

    POST {base}/v1/projects/{project_id}/batch      {"name", "description"} -> data.batch_id
    POST {base}/v1/projects/{project_id}/jobs       payload                  -> data.job_id
    GET  {base}/v1/projects/{project_id}/jobs/{id}                           -> data{...}
    GET  {base}/v1/projects/{project_id}/details                             -> data.batches[]

Every answer uses the envelope ``{"success": bool, "data": {...}}`` or
``{"success": false, "error": {"code", "message", "meta_data"}}``. The key travels in the
``x-api-key`` header and nowhere else: it is kept in a :class:`Secret` (masked repr), redacted from
every message built from a server answer, and never logged.

Retries (C17): HTTP 408, 429 (``Retry-After`` honoured exactly, seconds or HTTP date), 5xx,
connection errors, timeouts and 2xx answers whose body cannot be read are retried with exponential
backoff and jitter, bounded by :attr:`RetryPolicy.max_attempts` and :attr:`RetryPolicy.max_elapsed`.
Other 4xx answers are never retried. Creating a job twice is harmless: Playment answers
``FS_0001`` (duplicate reference_id), raised as :class:`DuplicateReferenceError`, which callers treat
as "already created". ``sleep``, ``clock`` and ``rng`` are injectable so tests never wait.

The error classes are defined in :mod:`converters.errors` and importable from here too.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from ..errors import (
    ApiConnectionError,
    ApiTimeoutError,
    AuthError,
    DuplicateBatchError,
    DuplicateReferenceError,
    MalformedResponseError,
    PlaymentApiError,
    RateLimitError,
    RequestRejectedError,
    ServerError,
    UsageError,
)
from ..option_names import opt_on
from .deadline import deadline, deadline_transport

__all__ = [
    "ApiConnectionError",
    "ApiTimeoutError",
    "AuthError",
    "BatchCreated",
    "DuplicateBatchError",
    "DuplicateReferenceError",
    "JobCreated",
    "MalformedResponseError",
    "PlaymentApiError",
    "PlaymentClient",
    "RateLimitError",
    "RequestRejectedError",
    "RetryPolicy",
    "Secret",
    "ServerError",
]

log = logging.getLogger("converters.playment.client")

from .endpoints import DEFAULT_BASE_URL as DEFAULT_BASE_URL  # noqa: E402

DEFAULT_JOBS_PATH = "/v1/projects/{project_id}/jobs"
DEFAULT_BATCH_PATH = "/v1/projects/{project_id}/batch"
DEFAULT_DETAILS_PATH = "/v1/projects/{project_id}/details"
USER_AGENT = "playment-prelabel/0.1"

#: ``error.code`` values that mean "bad key" or "no access to this project" (Playment's error codes).
AUTH_CODES = frozenset(
    {"auth-failure", "core.webutil.token_auth", "unauthorized", "core.webutil.auther",
     "unauthorized_request"}
)
DUPLICATE_REFERENCE = "FS_0001"
DUPLICATE_BATCH = "BATCH_CREATION"
REDACTED = "***"
#: A longer answer is refused (``response_too_large``): Playment's answers are a few hundred bytes.
MAX_RESPONSE_BYTES = 10 << 20


def _is_loopback(url: str) -> bool:
    host = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
    return host == "localhost" or host.startswith("127.") or host == "[::1]"


def clean_server_text(text: str, key: str) -> str:
    """Server text made safe to print: the API key, or any piece of it 8 characters or longer,
    masked; control characters (terminal escape codes included) shown escaped."""
    if key:
        marked = bytearray(len(text))
        for i in range(len(key) - 7):
            piece = key[i:i + 8]
            at = text.find(piece)
            while at >= 0:
                marked[at:at + 8] = b"\x01" * 8
                at = text.find(piece, at + 1)
        if any(marked):
            out, i = [], 0
            while i < len(text):
                if marked[i]:
                    while i < len(text) and marked[i]:
                        i += 1
                    out.append(REDACTED)
                else:
                    out.append(text[i])
                    i += 1
            text = "".join(out)
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


# ------------------------------------------------------------------------------------ records


class Secret:
    """Holds the API key; its repr/str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickled into a file by accident
        raise TypeError("Secret cannot be pickled")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter.

    Attempt ``n`` (1-based) failed -> wait ``d/2 + U(0, d/2)`` with ``d = min(backoff_max,
    backoff_base * 2**(n-1))``, or exactly ``Retry-After`` when the server sent one. No attempt is
    started once ``max_elapsed`` seconds have passed since the first one would be exceeded by the wait.
    """

    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_elapsed: float = 300.0
    retry_statuses: frozenset[int] = frozenset({408, 429})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise UsageError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.backoff_base < 0 or self.backoff_max < 0 or self.max_elapsed < 0:
            raise UsageError("retry delays must be >= 0")

    def is_retryable_status(self, status: int) -> bool:
        return status >= 500 or status in self.retry_statuses

    def backoff(self, attempt: int, rng: Callable[[], float]) -> float:
        cap = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return cap / 2 + rng() * cap / 2


@dataclass(frozen=True, slots=True)
class JobCreated:
    job_id: str
    reference_id: str
    attempts: int


@dataclass(frozen=True, slots=True)
class BatchCreated:
    batch_id: str
    name: str
    attempts: int
    existed: bool = False


# ------------------------------------------------------------------------------------- helpers


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or HTTP date); None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


def _envelope(body: bytes) -> dict[str, Any] | None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return doc if isinstance(doc, dict) else None


def _read_bounded(response: httpx.Response) -> bytes:
    """The body, read as it comes and refused beyond :data:`MAX_RESPONSE_BYTES`."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise MalformedResponseError(f"the answer is {declared} bytes, more than {MAX_RESPONSE_BYTES} accepted",
                                     status=response.status_code, code="response_too_large")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise MalformedResponseError(f"the answer is longer than {MAX_RESPONSE_BYTES} bytes",
                                         status=response.status_code, code="response_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def _describe_body(response: httpx.Response, content: bytes) -> str:
    ctype = response.headers.get("content-type", "no content-type").split(";")[0]
    return f"unexpected {ctype} body ({len(content)} bytes)"


# -------------------------------------------------------------------------------------- client


class PlaymentClient:
    """Thread-safe Playment API client (one pooled ``httpx.Client``); use as a context manager."""

    def __init__(
        self,
        project_id: str,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        jobs_path: str = DEFAULT_JOBS_PATH,
        batch_path: str = DEFAULT_BATCH_PATH,
        details_path: str = DEFAULT_DETAILS_PATH,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
        max_connections: int = 32,
        allow_insecure_http: bool = False,
    ) -> None:
        if not project_id or "/" in project_id:
            raise UsageError(f"invalid project id {project_id!r}")
        check_api_key(api_key)
        if timeout <= 0:
            raise UsageError(f"timeout must be > 0, got {timeout}")
        self.project_id = project_id
        self.base_url = base_url.rstrip("/")
        if not self.base_url.startswith(("https://", "http://")):
            raise UsageError(f"base URL must start with https:// or http://, got {base_url!r}")
        if self.base_url.startswith("http://") and not (allow_insecure_http or _is_loopback(self.base_url)):
            raise UsageError(
                f"base URL {self.base_url} is plain http://, which would send the API key in clear; use https://, "
                f"or {opt_on('allow_insecure_http')} for a trusted network"
            )
        self.timeout = timeout
        self.jobs_path = jobs_path.format(project_id=project_id)
        self.batch_path = batch_path.format(project_id=project_id)
        self.details_path = details_path.format(project_id=project_id)
        self.retry = retry or RetryPolicy()
        self._key = Secret(api_key)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        if transport is None:
            transport = deadline_transport(limits)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"x-api-key": api_key, "user-agent": USER_AGENT, "accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
            limits=limits,
            follow_redirects=False,  # never carry the key to another host
        )

    def __repr__(self) -> str:
        return f"PlaymentClient(project_id={self.project_id!r}, base_url={self.base_url!r})"

    def __enter__(self) -> PlaymentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ---------------------------------------------------------------------------- public API

    def create_batch(self, name: str, description: str = "") -> BatchCreated:
        """POST the batch; raises :class:`DuplicateBatchError` if the name is taken."""
        body = orjson.dumps({"name": name, "description": description})
        data, attempts = self._call("POST", self.batch_path, body, require="batch_id")
        return BatchCreated(str(data["batch_id"]), name, attempts)

    def find_batch(self, name: str) -> str | None:
        """The batch_id of the batch called ``name`` (GET project details), or None."""
        data, _ = self._call("GET", self.details_path, None, require=None)
        batches = data.get("batches")
        if not isinstance(batches, list):
            raise MalformedResponseError("project details carry no batches list", code="malformed_response")
        for batch in batches:
            if isinstance(batch, dict) and batch.get("name") == name:
                bid = batch.get("batch_id", batch.get("id"))
                if isinstance(bid, str) and bid:
                    return bid
        return None

    def ensure_batch(self, name: str, description: str = "") -> BatchCreated:
        """Create the batch, or return the existing one of that name (a dropped answer retried)."""
        try:
            return self.create_batch(name, description)
        except DuplicateBatchError as exc:
            bid = self.find_batch(name)
            if bid is None:
                raise exc from None
            return BatchCreated(bid, name, exc.attempts, existed=True)

    def create_job(self, payload: Mapping[str, Any] | bytes) -> JobCreated:
        """POST one job payload (a dict or its JSON bytes).

        Raises :class:`DuplicateReferenceError` (FS_0001) when the reference_id exists, including
        when an earlier attempt of this very call was stored but its answer was lost.
        """
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        data, attempts = self._call("POST", self.jobs_path, body, require="job_id")
        ref = data.get("reference_id")
        if not isinstance(ref, str):
            ref = "" if isinstance(payload, bytes) else str(payload.get("reference_id", ""))
        return JobCreated(str(data["job_id"]), ref, attempts)

    def get_job(self, job_id: str) -> dict[str, Any]:
        """GET one job: ``{project_id, reference_id, job_id, batch_id, status, ...}``."""
        if not job_id or "/" in job_id:
            raise UsageError(f"invalid job id {job_id!r}")
        data, _ = self._call("GET", f"{self.jobs_path}/{job_id}", None, require="job_id")
        return data

    # ------------------------------------------------------------------------------ internals

    def redact(self, text: str) -> str:
        """Server or transport text made safe to print (:func:`clean_server_text`)."""
        return clean_server_text(text, self._key.reveal())

    def _call(
        self, method: str, path: str, body: bytes | None, *, require: str | None
    ) -> tuple[dict[str, Any], int]:
        """One logical call with retries; returns (envelope data, attempts used)."""
        policy = self.retry
        start = self._clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, path, body, require), attempt
            except PlaymentApiError as exc:
                err = exc
            if not err.retryable or attempt >= policy.max_attempts:
                raise err.with_attempts(attempt)
            delay = err.retry_after if err.retry_after is not None else policy.backoff(attempt, self._rng)
            if self._clock() - start + delay > policy.max_elapsed:
                raise err.with_attempts(attempt)
            log.info("%s %s: %s; retry %d/%d in %.2f s", method, path, err, attempt + 1,
                     policy.max_attempts, delay)
            self._sleep(delay)

    def _attempt(self, method: str, path: str, body: bytes | None, require: str | None) -> dict[str, Any]:
        headers = {"content-type": "application/json"} if body is not None else None
        try:
            with deadline(self.timeout), self._http.stream(method, path, content=body, headers=headers) as response:
                content = _read_bounded(response)
        except httpx.TimeoutException as exc:
            raise ApiTimeoutError(f"no answer within the timeout ({type(exc).__name__})",
                                  code="timeout") from None
        except httpx.TransportError as exc:
            raise ApiConnectionError(self.redact(f"{type(exc).__name__}: {exc}"),
                                     code="connection_error") from None
        except httpx.HTTPError as exc:  # e.g. DecodingError: a body that cannot be decompressed
            raise MalformedResponseError(self.redact(f"unreadable answer ({type(exc).__name__}: {exc})"),
                                         code="malformed_response") from None
        status = response.status_code
        doc = _envelope(content)
        if 200 <= status < 300 and doc is not None and doc.get("success") is not False:
            data = doc.get("data")
            if isinstance(data, dict) and (require is None or data.get(require)):
                return data
            raise MalformedResponseError(f"answer has no data.{require or 'object'}",
                                         status=status, code="malformed_response")
        if 200 <= status < 300 and doc is None:
            raise MalformedResponseError(_describe_body(response, content), status=status, code="malformed_response")
        raise self._error(response, doc, content)

    def _error(self, response: httpx.Response, doc: dict[str, Any] | None, content: bytes) -> PlaymentApiError:
        status = response.status_code
        code, message = f"http_{status}", _describe_body(response, content)
        err = doc.get("error") if doc is not None else None
        if isinstance(err, dict):
            code = str(err.get("code") or code)
            message = str(err.get("message") or "")
        elif doc is not None and isinstance(doc.get("message"), str):
            message = doc["message"]
        message = self.redact(message)
        code = self.redact(code)
        if status in (401, 403) or code in AUTH_CODES:
            hint = f"check the API key and its access to project {self.project_id!r}"
            return AuthError(f"{message or 'authentication failed'}; {hint}", status=status, code=code)
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if status == 429:
            return RateLimitError(message, status=status, code=code, retry_after=retry_after)
        if self.retry.is_retryable_status(status):
            return ServerError(message, status=status, code=code, retry_after=retry_after)
        if code == DUPLICATE_REFERENCE:
            return DuplicateReferenceError(message, status=status, code=code)
        if code == DUPLICATE_BATCH:
            return DuplicateBatchError(message, status=status, code=code)
        return RequestRejectedError(message, status=status, code=code)


def check_api_key(api_key: str) -> None:
    """Reject keys that cannot be a header value, without ever echoing the key."""
    if not isinstance(api_key, str) or not api_key:
        raise UsageError("the Playment API key is empty")
    if not api_key.isascii() or not api_key.isprintable() or api_key != api_key.strip():
        raise UsageError("the Playment API key contains whitespace or non-printable characters")
