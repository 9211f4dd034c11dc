"""``prelabel submit``: create the job payloads on Playment, resumable and exactly once (see
:mod:`converters.playment.submit`); the API key comes from ``$PLAYMENT_API_KEY`` or ``--api-key-file``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from ..errors import PayloadsInvalidError, UsageError, issue_lines
from ..playment.endpoints import DEFAULT_BASE_URL
from ..playment.payload_files import DEFAULT_LEDGER_NAME
from ..progress import ProgressBar
from ._common import add_common

__all__ = ["API_KEY_ENV", "add_arguments", "default_ledger", "read_api_key", "run"]

#: The environment variable that holds the Playment API key.
API_KEY_ENV = "PLAYMENT_API_KEY"


def add_parser(sub: Any) -> None:
    s = sub.add_parser("submit", help="create the jobs on Playment (resumable, exactly once)")
    add_arguments(s)
    add_common(s)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``prelabel submit`` flags."""
    parser.description = ("Create the payloads' jobs on Playment. Every payload is validated first; "
                          "reruns skip what the ledger lists, and Playment holds each job once.")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="payload files (.json, .jsonl) or directories from `prelabel convert`")
    parser.add_argument("--project-id", required=True, help="the Playment project id")
    batch = parser.add_mutually_exclusive_group()
    batch.add_argument("--batch-id", help="put jobs that carry no batch_id into this batch")
    batch.add_argument("--batch-name", help="create this batch once (reused on reruns) and use it")
    parser.add_argument("--work-flow-id", help="set work_flow_id on payloads that lack it (and have no tag)")
    parser.add_argument("--concurrency", type=int, default=4, metavar="N",
                        help="requests in flight (default 4)")
    parser.add_argument("--dry-run", action="store_true",
                        help="validate and count what would be sent; send nothing (no key needed)")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL,
                        help=f"API base URL (default {DEFAULT_BASE_URL})")
    parser.add_argument("--allow-insecure-http", action="store_true",
                        help="accept a plain http:// base URL that is not loopback (the key travels in clear)")
    parser.add_argument("--ledger", metavar="FILE",
                        help=f"the resumable ledger (default {DEFAULT_LEDGER_NAME} beside the first PATH)")
    parser.add_argument("--api-key-file", metavar="FILE",
                        help=f"read the API key from FILE (default: the {API_KEY_ENV} variable)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S",
                        help="seconds to wait for each answer (default 30)")
    parser.add_argument("--max-attempts", type=int, default=5, metavar="N",
                        help="tries per request for 408/429/5xx/timeouts/dropped connections (default 5)")


def read_api_key(key_file: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The key from ``key_file`` (whitespace stripped) or ``$PLAYMENT_API_KEY``; UsageError if none."""
    if key_file:
        try:
            key = Path(key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the API key file {key_file}: {exc}") from None
        if not key:
            raise UsageError(f"the API key file {key_file} is empty")
        return key
    key = (os.environ if environ is None else environ).get(API_KEY_ENV, "").strip()
    if not key:
        raise UsageError(f"no API key: set {API_KEY_ENV} or pass --api-key-file FILE")
    return key


def default_ledger(paths: list[Path]) -> Path:
    """``submitted.jsonl`` in the first PATH (a directory) or beside it (a file)."""
    first = paths[0]
    return (first if first.is_dir() else first.parent) / DEFAULT_LEDGER_NAME


def _warn_base_url(url: str, err: TextIO, allowed: bool) -> None:
    """A plain http:// URL off loopback is refused by the client unless allowed; then warn."""
    if allowed and url.startswith("http://"):
        host = url[len("http://"):].split("/")[0].rsplit(":", 1)[0]
        if host not in ("127.0.0.1", "localhost", "[::1]"):
            err.write(f"warning: {url} is plain http: the API key travels unencrypted\n")


def run(args: argparse.Namespace, stderr: TextIO | None = None) -> int:
    """Run ``prelabel submit``; 0 all there, 1 failures or invalid payloads, 2 usage/auth, 130 interrupt.

    Library errors propagate (the CLI's ``main`` prints them and maps ``exit_code``).
    """
    err = stderr or sys.stderr
    quiet = bool(getattr(args, "quiet", False))
    paths = [Path(p) for p in args.paths]
    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be >= 1, got {args.concurrency}")
    if args.max_attempts < 1:
        raise UsageError(f"--max-attempts must be >= 1, got {args.max_attempts}")
    for p in paths:
        if not p.exists():
            raise UsageError(f"{p} does not exist")
    from ..playment.client import PlaymentClient, RetryPolicy  # httpx: imported only to submit
    from ..playment.submit import submit_payloads

    ledger = Path(args.ledger) if args.ledger else default_ledger(paths)
    client = None
    if not args.dry_run:
        key = read_api_key(args.api_key_file)
        allow_http = bool(getattr(args, "allow_insecure_http", False))
        _warn_base_url(args.base_url, err, allow_http)
        client = PlaymentClient(
            args.project_id, key, base_url=args.base_url, timeout=args.timeout, allow_insecure_http=allow_http,
            retry=RetryPolicy(max_attempts=args.max_attempts), max_connections=max(args.concurrency, 1),
        )
    progress = ProgressBar(err) if not quiet and err.isatty() else None
    try:
        summary = submit_payloads(
            paths, client, ledger_path=ledger, concurrency=args.concurrency, batch_id=args.batch_id,
            batch_name=args.batch_name, batch_description="created by prelabel submit",
            work_flow_id=args.work_flow_id, dry_run=args.dry_run, project_id=args.project_id,
            progress=progress,
        )
    except PayloadsInvalidError as exc:
        for line in issue_lines(exc.issues, 50, exc.not_listed):
            err.write(line + "\n")
        err.write(f"{exc.invalid} of {exc.total} payload(s) invalid; nothing was submitted\n")
        return 1
    finally:
        if progress is not None:
            progress.end()
        if client is not None:
            client.close()
    if not quiet or not summary.ok:
        for ref, _code, message in summary.failures[:20]:
            err.write(f"  failed {ref}: {message}\n")
        err.write("\n".join(summary.summary_lines()) + "\n")
    if summary.interrupted:
        return 130
    return 0 if summary.ok else 1
