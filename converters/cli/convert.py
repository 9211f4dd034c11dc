"""``prelabel convert``: read predictions, write validated Playment job payloads."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

import orjson

from ..errors import PrelabelError, Report, SchemaValidationError, UsageError, issue_lines
from ..formats import REGISTRY, available, get_reader
from ..options import EMIT_KINDS, ConvertOptions, load_attribute_map, load_label_map, load_label_set
from ..output_paths import check_report, output_error, write_bytes_atomic
from ..pipeline import convert, detect_format
from ..progress import ProgressBar
from ..remote import is_url
from ._common import add_common


def add_parser(sub: Any) -> None:
    p = sub.add_parser("convert", help="convert predictions into Playment job payloads",
                       description="Convert INPUT files into validated Playment job payloads.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="input files or folders")
    p.add_argument("--from", dest="fmt", required=True, choices=[*REGISTRY, "auto"],
                   help="input format; auto: told from the content (the choice is printed)")
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
    g.add_argument("--max-mask-pixels", type=int, metavar="N",
                   help="largest mask (its foreground's box) decoded, in pixels (default 2^28 = 268435456); "
                        "larger ones are skipped as mask_too_large")
    g.add_argument("--image-sizes", metavar="FILE",
                   help="YOLO, VOC: JSON {image path: [width, height]} (relative to the file's folder or absolute), "
                        "for images that are not at hand")
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
    k = p.add_argument_group("linking")
    k.add_argument("--link-tracks", choices=["none", "iou", "bytetrack", "sort", "ocsort"], default="none",
                   help="join a video's untracked detections into trackers: iou (ours, offline), or the trackers "
                        "library's bytetrack / sort / ocsort (pip install 'playment-prelabel[trackers]')")
    k.add_argument("--link-max-gap", type=int, default=5, metavar="N",
                   help="frames a track may miss and still continue (default 5)")
    k.add_argument("--link-min-iou", type=float, default=0.3, metavar="F",
                   help="least IoU between a track's predicted box and a detection (default 0.3)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes building the jobs (default: every core this process may use); the output is "
                        "the same bytes whatever N")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="ray: the jobs built as Ray tasks (pip install 'playment-prelabel[ray]'); the same bytes")
    p.add_argument("--ray-address", metavar="ADDR", help="the Ray cluster (default: a local Ray instance)")
    r = p.add_argument_group("report")
    r.add_argument("--report", metavar="FILE", help="write counts and every issue as JSON")
    r.add_argument("--strict", action="store_true", help="a record-level problem stops the run")
    add_common(p)
    for name in available():
        reader = get_reader(name)
        reader.add_arguments(p.add_argument_group(f"{name} input"))


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
        link_tracks=ns.link_tracks,
        link_max_gap=ns.link_max_gap,
        link_min_iou=ns.link_min_iou,
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


def run(ns: argparse.Namespace, stderr: TextIO) -> int:
    if ns.workers is not None and ns.workers < 1:
        raise UsageError("--workers must be at least 1")
    options = options_from_args(ns)
    report = Report(strict=options.strict)
    progress = ProgressBar(stderr) if (not ns.quiet and stderr.isatty()) else None
    if ns.report:  # before anything is read: a report that cannot be written must not cost a run
        check_report(ns.report, overwrite=ns.overwrite, out=ns.out, inputs=ns.inputs)
    if ns.fmt == "auto" and any(is_url(p) for p in ns.inputs):  # before detect_format looks at local paths
        raise UsageError(f"name the format of remote inputs with --from ({', '.join(available())})")
    fmt = detect_format([Path(p) for p in ns.inputs], report) if ns.fmt == "auto" else ns.fmt
    reader_options = get_reader(fmt).options_type.from_args(ns)
    try:
        if ns.engine == "ray":
            from ..shards import convert_with_ray

            convert_with_ray(ns.inputs, fmt, ns.out, options=options, reader_options=reader_options,
                             address=ns.ray_address, shards=ns.workers, report=report, overwrite=ns.overwrite)
        else:
            convert(ns.inputs, fmt, ns.out, options=options, reader_options=reader_options,
                    report=report, progress=progress, overwrite=ns.overwrite, workers=ns.workers)
    except PrelabelError as exc:
        if ns.report:
            _write_report(ns.report, report, exc)
        raise
    if ns.report:
        _write_report(ns.report, report)
    if report.input_format and not ns.quiet:
        stderr.write(f"input format: {report.input_format}\n")
    if not ns.quiet:
        stderr.write("\n".join(report.summary_lines()) + "\n")
        for line in issue_lines(report.issues, 10, report.issues_dropped, " (see --report)"):
            stderr.write(line + "\n")
        stderr.write(f"wrote {report.jobs} job(s) to {ns.out}\n")
    return 0 if report.ok else 1


