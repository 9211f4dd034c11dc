"""One conversion split into shards that any engine can run: :func:`convert_shard` converts a
contiguous range of the jobs, :func:`merge_shards` writes the ranges into ``out``. The result is
the same bytes and the same report as :func:`~converters.convert` in one process.

Each shard reads the whole input (reading is cheap next to building jobs, and every shard then
plans the same jobs with the same names) and builds only its range; shard 0 also returns the read
stage's report. Shard results are plain picklable objects, so Ray, Dask or Spark can map the
function and collect the results::

    # Dask
    results = dask.compute(*[dask.delayed(convert_shard)(inputs, "coco", shard=i, shards=n)
                             for i in range(n)])
    report = merge_shards(results, "jobs.jsonl")

``prelabel convert --engine ray`` does the same on a Ray cluster (``--ray-address``; a local Ray
instance when none is given).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Report
from .formats._options import ReaderOptions
from .options import ConvertOptions
from .select import SelectorUsage
from .writer import OutputWriter


@dataclass
class ShardResult:
    """What one shard returns: its jobs as JSON bytes (job number, reference id, bytes), the read
    report (shard 0 only), its build report and its selector's findings."""

    shard: int
    shards: int
    jobs: list[tuple[int, str, bytes]]
    read_report: Report | None
    build_report: Report
    selector: SelectorUsage


def convert_shard(
    inputs: str | Path | Sequence[str | Path], fmt: str, *, shard: int, shards: int,
    options: ConvertOptions | None = None, reader_options: ReaderOptions | Mapping[str, Any] | None = None,
) -> ShardResult:
    """Convert jobs ``[shard * k, (shard + 1) * k)`` of the run (k = jobs / shards, rounded up)."""
    from .jobs import plan_jobs
    from .linking import link_scene
    from .pipeline import JobBuilder, _prepare_columns, read_scene

    if not 0 <= shard < shards:
        raise ValueError(f"shard must be within 0..{shards - 1}, got {shard}")
    options = options or ConvertOptions()
    read_report = Report(strict=options.strict)
    scene = read_scene(inputs, fmt, read_report, reader_options, compact=True)
    link_scene(scene, options.link_tracks, read_report, max_gap=options.link_max_gap, min_iou=options.link_min_iou)
    _prepare_columns(scene, options)
    jobs = plan_jobs(scene, options)
    size = -(-len(jobs) // shards) if jobs else 0
    first, last = shard * size, min((shard + 1) * size, len(jobs))
    report = Report(strict=options.strict)
    builder = JobBuilder(options, report, for_writer=True)
    out: list[tuple[int, str, bytes]] = []
    for number in range(first, last):
        job = jobs[number]
        out.append((number, job.reference_id, b"".join(builder.json_pieces(job))))
    return ShardResult(shard, shards, out, read_report if shard == 0 else None, report, builder.selector.usage())


def merge_shards(
    results: Iterable[ShardResult], out: str | Path, options: ConvertOptions | None = None, *,
    report: Report | None = None, overwrite: bool = False,
) -> Report:
    """Write the shards' jobs to ``out`` in job order (atomically, under the output rules) and
    return the run's report."""
    from .pipeline import JobBuilder

    options = options or ConvertOptions()
    parts = sorted(results, key=lambda r: r.shard)
    if not parts or sorted(r.shard for r in parts) != list(range(parts[0].shards)):
        raise ValueError("merge_shards needs the result of every shard, once each")
    report = report if report is not None else Report(strict=options.strict)
    first = parts[0].read_report
    assert first is not None
    report.merge(first)
    report.input_format = first.input_format or report.input_format
    report.linking = first.linking or report.linking
    final = JobBuilder(options, report, for_writer=True)
    with OutputWriter(out, overwrite=overwrite) as writer:
        for part in parts:
            for _, ref, data in part.jobs:
                writer.write_pieces(ref, [data])
            report.merge(part.build_report)
            final.selector.add_usage(part.selector)
        final.finish()
        writer.commit()
    return report


def convert_with_ray(
    inputs: Sequence[str | Path], fmt: str, out: str | Path, *, options: ConvertOptions | None = None,
    reader_options: ReaderOptions | Mapping[str, Any] | None = None, address: str | None = None,
    shards: int | None = None, report: Report | None = None, overwrite: bool = False,
) -> Report:
    """The conversion as Ray tasks (one per shard; a local Ray instance when ``address`` is None)."""
    from .errors import UsageError
    from .output_paths import check_output

    try:
        import ray as ray_module
    except ImportError:
        raise UsageError("--engine ray needs Ray: pip install 'playment-prelabel[ray]'") from None
    check_output(out, overwrite=overwrite, inputs=[Path(p) for p in inputs])
    ray: Any = ray_module  # Ray's own annotations do not describe remote functions with arguments
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        n = shards or max(1, int(ray.cluster_resources().get("CPU", 1)))
        task: Any = ray.remote(convert_shard)
        paths = [str(Path(p).resolve()) for p in inputs]
        results = ray.get([task.remote(paths, fmt, shard=i, shards=n, options=options,
                                       reader_options=reader_options) for i in range(n)])
    finally:
        if started:
            ray.shutdown()
    return merge_shards(results, out, options, report=report, overwrite=overwrite)
