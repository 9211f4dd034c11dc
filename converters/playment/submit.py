"""Submitting job payloads to Playment, resumable and exactly once (:func:`submit_payloads`).

Flow: read every payload (``.json`` = one payload, ``.jsonl`` = one per line,
directories = ``*.json`` / ``*.jsonl`` below them, sorted; hidden entries and ledgers, by name or
by content, skipped) ->
fill ``batch_id`` / ``work_flow_id`` where the payload lacks them (never ``work_flow_id`` beside a
legacy ``tag``, C3) -> validate all of them (:class:`PayloadValidator`, reference_id present and
unique) -> only when all are valid: resolve the batch -> POST the jobs from a thread pool
(:mod:`.sender`).

Exactly once: Playment refuses a second job with the same reference_id (``FS_0001``). A job whose
answer was lost (dropped connection, timeout, killed process) is simply sent again and its FS_0001
counts as "already there". The ledger (:mod:`.ledger`: ``submitted.jsonl`` beside the payloads or
``ledger_path``) gets one JSON line per job the server holds, fsynced before the job counts as
done; a rerun skips the reference_ids it lists for the same project. The ``prelabel submit``
command is a separate module (:mod:`converters.cli.submit`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson

from ..errors import Issue, PayloadsInvalidError, UsageError
from .client import PlaymentClient
from .ledger import Ledger
from .payload_files import DEFAULT_LEDGER_NAME as DEFAULT_LEDGER_NAME
from .payload_files import iter_payload_files
from .sender import send_jobs

__all__ = [
    "DEFAULT_LEDGER_NAME",
    "Ledger",
    "PayloadsInvalidError",
    "SubmitSummary",
    "iter_payload_entries",
    "submit_payloads",
]

#: At most this many validation issues are kept in :class:`PayloadsInvalidError`.
MAX_LISTED_ISSUES = 1000


class _Checker(Protocol):
    def check(self, payload: dict[str, Any], location: str) -> list[Issue]: ...


# ----------------------------------------------------------------------------------- summary


@dataclass
class SubmitSummary:
    """What one submit run did. ``ok`` is False if anything failed or was left unsent."""

    project_id: str = ""
    payloads: int = 0
    in_ledger: int = 0
    created: int = 0
    already_there: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    not_attempted: int = 0
    retries: int = 0
    without_batch: int = 0
    batch_id: str | None = None
    batch_status: str = ""
    ledger: str | None = None
    dry_run: bool = False
    interrupted: bool = False
    aborted: str | None = None
    elapsed: float = 0.0

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    @property
    def ok(self) -> bool:
        unsent = self.not_attempted and not self.dry_run
        return not self.failed and not unsent and not self.interrupted and self.aborted is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "payloads": self.payloads,
            "in_ledger": self.in_ledger,
            "created": self.created,
            "already_there": self.already_there,
            "failed": self.failed_total,
            "failed_by_code": dict(sorted(self.failed.items())),
            "failures": [{"reference_id": r, "code": c, "message": m} for r, c, m in self.failures],
            "not_attempted": self.not_attempted,
            "retries": self.retries,
            "without_batch": self.without_batch,
            "batch_id": self.batch_id,
            "batch_status": self.batch_status,
            "ledger": self.ledger,
            "dry_run": self.dry_run,
            "interrupted": self.interrupted,
            "aborted": self.aborted,
            "elapsed_s": round(self.elapsed, 3),
        }

    def summary_lines(self) -> list[str]:
        sent = self.created + self.already_there + self.failed_total
        rate = f" ({sent / self.elapsed:.0f} jobs/s)" if self.elapsed > 0 and sent else ""
        lines = [f"payloads          {self.payloads}",
                 f"  in ledger       {self.in_ledger} (skipped)"]
        if self.dry_run:
            lines.append(f"  would submit    {self.not_attempted}")
        else:
            lines += [f"  created         {self.created}",
                      f"  already there   {self.already_there}",
                      f"  failed          {self.failed_total}"]
            lines += [f"    {code:<22} {n}" for code, n in sorted(self.failed.items())]
            if self.not_attempted:
                lines.append(f"  not attempted   {self.not_attempted} (rerun to continue)")
            lines.append(f"retries           {self.retries}")
        if self.batch_id or self.batch_status:
            lines.append(f"batch             {self.batch_id or '-'} {self.batch_status}".rstrip())
        if self.without_batch:
            lines.append(f"without batch_id  {self.without_batch} (Playment's Default batch)")
        if self.ledger:
            lines.append(f"ledger            {self.ledger}")
        lines.append(f"elapsed           {self.elapsed:.2f} s{rate}")
        if self.aborted:
            lines.append(f"aborted: {self.aborted}")
        if self.interrupted:
            lines.append("interrupted: rerun the same command to continue")
        return lines


# ---------------------------------------------------------------------------------- payloads


@dataclass(frozen=True, slots=True)
class _Entry:
    location: str
    payload: Any
    error: str | None = None


def iter_payload_entries(
    items: Iterable[str | Path | Mapping[str, Any]], exclude: Iterable[Path] = ()
) -> Iterator[_Entry]:
    """Every payload of ``items`` (paths or payload dicts) in order, with its location."""
    n = 0
    for item in items:
        if isinstance(item, Mapping):
            yield _Entry(f"payload[{n}]", item)
            n += 1
            continue
        for where, payload in iter_payload_files([item], exclude):
            if isinstance(payload, Issue):
                yield _Entry(where, None, payload.message)
            else:
                yield _Entry(where, payload)


def _fill(payload: Mapping[str, Any], batch_id: str | None, work_flow_id: str | None) -> dict[str, Any]:
    """Fill batch_id / work_flow_id where missing or empty; a legacy ``tag`` excludes work_flow_id."""
    out = dict(payload)
    if batch_id and not out.get("batch_id"):
        out["batch_id"] = batch_id
    if work_flow_id and not out.get("work_flow_id") and "tag" not in out:
        out["work_flow_id"] = work_flow_id
    return out


def _video_key(payload: Mapping[str, Any]) -> str:
    data = payload.get("data")
    maker = data.get("maker_response") if isinstance(data, dict) else None
    return "video_2d" if isinstance(maker, dict) and "video_2d" in maker else "video2d"


class _Validation:
    """Pass 1: parse, fill, validate; collects issues and checks reference_id uniqueness."""

    def __init__(self, validators: dict[str, _Checker] | None, label_set: Any) -> None:
        self._validators: dict[str, _Checker] = dict(validators or {})
        self._label_set = label_set
        self.seen: dict[str, str] = {}
        self.issues: list[Issue] = []
        self.not_listed = 0
        self.invalid = 0
        self.total = 0
        self.without_batch = 0

    def _checker(self, key: str) -> _Checker:
        if key not in self._validators:
            from .validate import PayloadValidator

            self._validators[key] = PayloadValidator(label_set=self._label_set, video_key=key)
        return self._validators[key]

    def _add(self, issues: list[Issue]) -> None:
        room = MAX_LISTED_ISSUES - len(self.issues)
        self.issues += issues[:max(room, 0)]
        self.not_listed += max(len(issues) - max(room, 0), 0)

    def check(self, entry: _Entry, batch_id: str | None, work_flow_id: str | None) -> None:
        self.total += 1
        loc = entry.location
        payload = entry.payload
        if entry.error is not None or not isinstance(payload, dict):
            why = entry.error or f"a payload must be a JSON object, got {type(payload).__name__}"
            self.invalid += 1
            self._add([Issue("error", "payload_unreadable", why, loc)])
            return
        issues: list[Issue] = []
        ref = payload.get("reference_id")
        if not isinstance(ref, str) or not ref:
            issues.append(Issue("error", "reference_id_missing", "reference_id must be a non-empty string",
                                loc, ("reference_id",)))
        elif ref in self.seen:
            issues.append(Issue("error", "reference_id_duplicate",
                                f"reference_id {ref!r} also at {self.seen[ref]}", loc, ("reference_id",)))
        else:
            self.seen[ref] = loc
        filled = _fill(payload, batch_id, work_flow_id)
        if not filled.get("batch_id"):
            self.without_batch += 1
        issues += [i for i in self._checker(_video_key(filled)).check(filled, loc) if i.severity == "error"]
        if issues:
            self.invalid += 1
            self._add(issues)


# ------------------------------------------------------------------------------------ submit


def _resolve_batch(
    client: PlaymentClient | None, ledger: Ledger | None, name: str, description: str,
    summary: SubmitSummary, dry_run: bool,
) -> str | None:
    known = ledger.batches.get(name) if ledger is not None else None
    if known:
        summary.batch_id, summary.batch_status = known, f"'{name}' (reused from the ledger)"
        return known
    if dry_run or client is None:
        summary.batch_status = f"'{name}' (would be created)" if dry_run else f"'{name}' (not needed)"
        return None
    batch = client.ensure_batch(name, description)
    if ledger is not None:
        ledger.record_batch(name, batch.batch_id)
    how = "existed on the server, reused" if batch.existed else "created"
    summary.batch_id, summary.batch_status = batch.batch_id, f"'{name}' ({how})"
    return batch.batch_id


def submit_payloads(
    paths_or_payloads: str | Path | Mapping[str, Any] | Iterable[str | Path | Mapping[str, Any]],
    client: PlaymentClient | None,
    *,
    ledger_path: str | Path | None,
    concurrency: int = 4,
    batch_id: str | None = None,
    batch_name: str | None = None,
    batch_description: str = "",
    work_flow_id: str | None = None,
    dry_run: bool = False,
    project_id: str | None = None,
    label_set: Any = None,
    validators: dict[str, _Checker] | None = None,
    max_consecutive_failures: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SubmitSummary:
    """Validate every payload, then create the jobs not yet in the ledger; returns the summary.

    ``paths_or_payloads``: files (.json / .jsonl), directories, or payload dicts. ``client`` may be
    None only with ``dry_run``. Raises :class:`PayloadsInvalidError` (nothing sent) when a payload is
    invalid, :class:`AuthError` when the key is refused (the run stops at once). Jobs that fail for
    other reasons are counted in ``summary.failed`` by error code and the run goes on; after
    ``max_consecutive_failures`` transient failures in a row (default ``max(8, 2*concurrency)``)
    the rest is left for a rerun (``summary.not_attempted``). ``progress(done, total)`` is called
    from the calling thread as answers arrive.
    """
    t0 = time.perf_counter()
    if batch_id and batch_name:
        raise UsageError("give either a batch id or a batch name, not both")
    if concurrency < 1:
        raise UsageError(f"concurrency must be >= 1, got {concurrency}")
    if client is None and not dry_run:
        raise UsageError("a client is needed unless dry_run is set")
    pid = project_id or (client.project_id if client is not None else None)
    if not pid:
        raise UsageError("a project id is needed")
    if isinstance(paths_or_payloads, (str, Path, Mapping)):  # one path, or one payload
        paths_or_payloads = [paths_or_payloads]
    items = [i if isinstance(i, Mapping) else Path(i) for i in paths_or_payloads]
    ledger = Ledger(Path(ledger_path), pid) if ledger_path is not None else None
    exclude = [ledger.path] if ledger is not None else []
    summary = SubmitSummary(project_id=pid, dry_run=dry_run, ledger=str(ledger.path) if ledger else None)

    check = _Validation(validators, label_set)
    for entry in iter_payload_entries(items, exclude):
        check.check(entry, batch_id, work_flow_id)
    summary.payloads = check.total
    summary.without_batch = 0 if batch_name else check.without_batch
    if check.invalid:
        raise PayloadsInvalidError(check.issues, check.invalid, check.total, check.not_listed)
    todo = [ref for ref in check.seen if ledger is None or ref not in ledger.jobs]
    summary.in_ledger = check.total - len(todo)
    if dry_run or not todo:
        if batch_name:
            _resolve_batch(None, ledger, batch_name, batch_description, summary, dry_run)
        summary.not_attempted = len(todo) if dry_run else 0
        summary.elapsed = time.perf_counter() - t0
        return summary
    assert client is not None
    try:
        if ledger is not None:
            ledger.open()
        if batch_name:
            batch_id = _resolve_batch(client, ledger, batch_name, batch_description, summary, False)
        elif batch_id:
            summary.batch_id = batch_id
        limit = max_consecutive_failures or max(8, 2 * concurrency)
        jobs = _bodies(items, exclude, set(ledger.jobs) if ledger is not None else set(), batch_id, work_flow_id)
        send_jobs(jobs, client, ledger, concurrency=concurrency, limit=limit, tally=summary, progress=progress,
                  total=len(todo))
    finally:
        summary.not_attempted = len(todo) - summary.created - summary.already_there - summary.failed_total
        if ledger is not None:
            ledger.close()
        summary.elapsed = time.perf_counter() - t0
    return summary


def _bodies(
    items: list[Path | Mapping[str, Any]], exclude: list[Path], done: set[str], batch_id: str | None,
    work_flow_id: str | None,
) -> Iterator[tuple[str, bytes]]:
    """``(reference_id, JSON body)`` of every (validated) payload not in ``done``, read again lazily."""
    for entry in iter_payload_entries(items, exclude):
        ref = entry.payload["reference_id"]
        if ref not in done:
            yield ref, orjson.dumps(_fill(entry.payload, batch_id, work_flow_id))
