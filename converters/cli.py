"""``prelabel``: the command-line front end (a thin caller of the library).

Exit codes: 0 written and nothing skipped; 1 data errors (structural or validation error with
nothing written, or records skipped with the output written); 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import orjson

from . import __version__
from .cli_guard import fatal_line, process_signals
from .errors import PrelabelError, Report, SchemaValidationError, Terminated, UsageError, issue_lines
from .formats import REGISTRY, available, get_reader
from .options import (
    EMIT_KINDS,
    ConvertOptions,
    load_attribute_map,
    load_label_map,
    load_label_set,
)
from .output_paths import check_report, output_error, write_bytes_atomic
from .pipeline import convert
from .progress import ProgressBar


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of exiting, so main() owns every exit code."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: {message}")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    p.add_argument("--debug", action="store_true", help="show tracebacks for errors")


def _convert_parser(sub: Any) -> None:
    p = sub.add_parser("convert", help="convert predictions into Playment job payloads",
                       description="Convert INPUT files into validated Playment job payloads.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="input files or folders")
    p.add_argument("--from", dest="fmt", required=True, choices=list(REGISTRY), help="input format")
    p.add_argument("--out", required=True,
                   help="a .jsonl file (one job per line) or a folder; an existing file or non-empty folder "
                        "needs --overwrite")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing --out / --report: in a folder, only the files an earlier conversion "
                        "wrote there (its manifest) are replaced; every other file is left alone")
    g = p.add_argument_group("selection")
    g.add_argument("--emit", default="auto",
                   help=f"geometry kinds to emit, comma list of {', '.join(EMIT_KINDS)} (default auto)")
    g.add_argument("--multipart", choices=["split", "largest"], default="split",
                   help="multi-part polygons: one tracker per part (default) or the largest part only")
    g.add_argument("--label-map", help="JSON/YAML: source label -> Playment label | null | {label, min_score}")
    g.add_argument("--min-score", type=float, help="drop objects whose confidence is below S")
    g.add_argument("--score-attribute", help="write the confidence into this attribute")
    g.add_argument("--attribute-map", help="JSON/YAML: attribute -> new name | null | {name, values}")
    g.add_argument("--label-set", help="the project's labels (text, one per line; or a JSON/YAML list)")
    g.add_argument("--images", nargs="+", help="image info: COCO ground truth / VOC root / YOLO image folder")
    j = p.add_argument_group("jobs")
    j.add_argument("--job-type", choices=["video", "image"], default="video")
    j.add_argument("--job-per", choices=["sequence", "image"], default="sequence")
    j.add_argument("--frames-per-job", type=int, metavar="N")
    j.add_argument("--reference-id", metavar="TEMPLATE",
                   help="placeholders {sequence} {stem} {file_name} {frame_index} {frame_id} {chunk} {job}")
    j.add_argument("--frame-url", default="{file_name}", metavar="TEMPLATE",
                   help="frame/image URL template (same placeholders; default {file_name})")
    j.add_argument("--work-flow-id")
    j.add_argument("--tag", help="legacy routing field instead of --work-flow-id")
    j.add_argument("--batch-id")
    j.add_argument("--priority-weight", type=int)
    j.add_argument("--video-key", default="video2d")
    j.add_argument("--random-ids", action="store_true", help="uuid4 ids instead of deterministic uuid5")
    j.add_argument("--drop-empty", action="store_true", help="image jobs: omit empty annotation lists")
    r = p.add_argument_group("report")
    r.add_argument("--report", metavar="FILE", help="write counts and every issue as JSON")
    r.add_argument("--strict", action="store_true", help="a record-level problem stops the run")
    _add_common(p)
    for name in available():
        reader = get_reader(name)
        reader.add_arguments(p.add_argument_group(f"{name} input"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="prelabel", description="Turn model predictions into Playment pre-labeled jobs.")
    parser.add_argument("--version", action="version", version=f"prelabel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _convert_parser(sub)
    v = sub.add_parser("validate", help="validate payload files (.json, .jsonl, directories)")
    v.add_argument("paths", nargs="+", metavar="PATH")
    v.add_argument("--label-set", help="the project's labels (text, one per line; or a JSON/YAML list)")
    v.add_argument("--video-key", default="video2d")
    _add_common(v)
    f = sub.add_parser("formats", help="list the readers and the variants each accepts")
    _add_common(f)
    try:
        from .playment import submit_cli as submit
    except ModuleNotFoundError as exc:  # pragma: no cover - present in every build
        if exc.name != "converters.playment.submit_cli":
            raise
    else:
        s = sub.add_parser("submit", help="create the jobs on Playment (resumable, exactly once)")
        submit.add_arguments(s)
        _add_common(s)
    return parser


def options_from_args(ns: argparse.Namespace) -> ConvertOptions:
    return ConvertOptions(
        emit=ns.emit,
        multipart=ns.multipart,
        label_map=load_label_map(ns.label_map) if ns.label_map else None,
        min_score=ns.min_score,
        score_attribute=ns.score_attribute,
        attribute_map=load_attribute_map(ns.attribute_map) if ns.attribute_map else None,
        label_set=load_label_set(ns.label_set) if ns.label_set else None,
        job_type=ns.job_type,
        job_per=ns.job_per,
        frames_per_job=ns.frames_per_job,
        reference_id=ns.reference_id,
        frame_url=ns.frame_url,
        work_flow_id=ns.work_flow_id,
        tag=ns.tag,
        batch_id=ns.batch_id,
        priority_weight=ns.priority_weight,
        video_key=ns.video_key,
        random_ids=ns.random_ids,
        drop_empty=ns.drop_empty,
        strict=ns.strict,
    )


def _write_report(path: str, report: Report, error: PrelabelError | None = None) -> None:
    data = report.to_dict()
    if error is not None:
        data["error"] = str(error)
        if isinstance(error, SchemaValidationError):
            data["validation_issues"] = [i.to_dict() for i in error.issues]
    try:
        write_bytes_atomic(Path(path), orjson.dumps(data, option=orjson.OPT_INDENT_2))
    except OSError as exc:
        raise output_error(exc, "cannot write the report", Path(path)) from exc


def _run_convert(ns: argparse.Namespace, stderr: TextIO) -> int:
    options = options_from_args(ns)
    reader_options = get_reader(ns.fmt).options_type.from_args(ns)
    report = Report(strict=options.strict)
    progress = ProgressBar(stderr) if (not ns.quiet and stderr.isatty()) else None
    if ns.report:  # before anything is read: a report that cannot be written must not cost a run
        check_report(ns.report, overwrite=ns.overwrite, out=ns.out, inputs=ns.inputs)
    try:
        convert(ns.inputs, ns.fmt, ns.out, options=options, reader_options=reader_options,
                report=report, progress=progress, overwrite=ns.overwrite)
    except PrelabelError as exc:
        if ns.report:
            _write_report(ns.report, report, exc)
        raise
    if ns.report:
        _write_report(ns.report, report)
    if not ns.quiet:
        stderr.write("\n".join(report.summary_lines()) + "\n")
        for line in issue_lines(report.issues, 10, report.issues_dropped, " (see --report)"):
            stderr.write(line + "\n")
        stderr.write(f"wrote {report.jobs} job(s) to {ns.out}\n")
    return 0 if report.ok else 1


def _run_validate(ns: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from .playment.validate import validate_paths

    label_set = load_label_set(ns.label_set) if ns.label_set else None
    for p in ns.paths:
        if not Path(p).exists():
            raise UsageError(f"{p} does not exist")
    checked, issues = validate_paths(ns.paths, label_set=label_set, video_key=ns.video_key)
    for issue in issues:
        stdout.write(f"{issue}\n")
    if not ns.quiet:
        stderr.write(f"{checked} payload(s) checked, {len(issues)} problem(s)\n")
    return 1 if issues else 0


def _run_formats(stdout: TextIO) -> int:
    for name in available():
        reader = get_reader(name)
        stdout.write(f"{name}: {reader.summary}\n")
        for variant in reader.variants:
            stdout.write(f"  - {variant}\n")
    return 0


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code (never raises for user errors)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        with process_signals():
            return _dispatch(args, out, err)
    except PrelabelError as exc:
        if debug:
            traceback.print_exc(file=err)
        err.write(f"prelabel: error: {_printable(_as_flags(str(exc)))}\n")
        if isinstance(exc, SchemaValidationError):
            for issue in exc.issues[:20]:
                err.write(f"  {issue}\n")
        return exc.exit_code
    except Terminated as exc:
        err.write(f"prelabel: stopped by signal {exc.signum}\n")
        return 128 + exc.signum
    except KeyboardInterrupt:
        err.write("prelabel: interrupted\n")
        return 130
    except (OSError, MemoryError, RecursionError) as exc:
        if debug:
            traceback.print_exc(file=err)
        err.write(f"prelabel: error: {_printable(fatal_line(exc))}\n")
        return 1


#: Library wording -> the CLI flag that does the same, for messages the library writes.
_FLAG_WORDS = (("set overwrite", "pass --overwrite"), ("allow_insecure_http", "--allow-insecure-http"),
               ("(max_mask_pixels)", "(--max-mask-pixels)"))


def _as_flags(text: str) -> str:
    for library, flag in _FLAG_WORDS:
        text = text.replace(library, flag)
    return text


def _printable(text: str) -> str:
    """Text for the terminal: control characters (escape codes from file names or servers) escaped."""
    return "".join(c if c.isprintable() or c in " \n" else c.encode("unicode_escape").decode("ascii") for c in text)


def _dispatch(args: list[str], out: TextIO, err: TextIO) -> int:
    ns = build_parser().parse_args(args)
    if ns.command == "convert":
        return _run_convert(ns, err)
    if ns.command == "validate":
        return _run_validate(ns, out, err)
    if ns.command == "formats":
        return _run_formats(out)
    from .playment import submit_cli as submit

    code: int = submit.run(ns, stderr=err)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
