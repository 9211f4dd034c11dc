"""The public API: what ``converters`` exports, where exceptions live, ``Issue.path``, ``__version__``."""

from __future__ import annotations

import copy
import importlib
import inspect
import io
import pkgutil
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

import converters
from converters import Issue, PayloadValidator, validate_payload
from converters.errors import PrelabelError

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- exports


def test_every_exported_name_is_importable() -> None:
    assert len(set(converters.__all__)) == len(converters.__all__)
    for name in converters.__all__:
        assert getattr(converters, name) is not None, name
    namespace: dict[str, Any] = {}
    exec("from converters import *", namespace)
    assert set(converters.__all__) <= set(namespace)


def test_readme_imports_only_the_public_api() -> None:
    readme = (REPO / "README.md").read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", readme, re.S))
    modules = re.findall(r"^\s*(?:from|import) (converters[\w.]*)", code, re.M)
    assert modules and set(modules) == {"converters"}
    imported = {name.strip() for names in re.findall(r"^from converters import (.+)$", code, re.M)
                for name in names.split(",")}
    used = set(re.findall(r"\bconverters\.(\w+)\(", readme))  # converters.validate_payload(...)
    assert {"PlaymentClient", "submit_payloads"} <= imported
    assert imported | used <= set(converters.__all__)


def test_api_errors_are_exported() -> None:
    for name in ("AuthError", "RequestRejectedError", "DuplicateReferenceError", "ServerError", "RateLimitError",
                 "ApiConnectionError", "ApiTimeoutError", "MalformedResponseError", "PlaymentApiError",
                 "PayloadsInvalidError", "SubmitSummary", "PlaymentClient", "submit_payloads", "PayloadValidator"):
        assert name in converters.__all__, name
    assert issubclass(converters.AuthError, converters.PlaymentApiError)
    assert issubclass(converters.PlaymentApiError, converters.ApiError)
    assert issubclass(converters.PayloadsInvalidError, converters.SchemaValidationError)


# --------------------------------------------------------------------------- exceptions


def _modules() -> list[str]:
    names = [converters.__name__]
    for info in pkgutil.walk_packages(converters.__path__, converters.__name__ + "."):
        if info.name != "converters.__main__":  # runs the CLI when imported
            names.append(info.name)
    return names


def test_every_exception_class_is_defined_in_errors() -> None:
    defined_elsewhere = []
    seen = 0
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            ours = inspect.isclass(value) and value.__module__.startswith("converters")
            if ours and issubclass(value, BaseException):
                seen += 1
                if value.__module__ != "converters.errors":
                    defined_elsewhere.append(f"{name}.{attr} (defined in {value.__module__})")
    assert seen > 0
    assert defined_elsewhere == []


def test_old_import_paths_still_work() -> None:
    from converters import errors
    from converters.formats.coco._kind import NoObjects
    from converters.formats.coco._rle import RleError
    from converters.formats.voc._masks import MaskError
    from converters.playment.client import AuthError, PlaymentApiError
    from converters.playment.submit import PayloadsInvalidError
    from converters.playment.video_stream import StreamCheckFailed

    assert (NoObjects, RleError, MaskError, StreamCheckFailed) == (
        errors.NoObjects, errors.RleError, errors.MaskError, errors.StreamCheckFailed)
    assert (AuthError, PlaymentApiError, PayloadsInvalidError) == (
        errors.AuthError, errors.PlaymentApiError, errors.PayloadsInvalidError)


def test_internal_exceptions_are_not_library_errors() -> None:
    from converters import errors

    for internal in (errors.RecordSkip, errors.MaskError, errors.StreamCheckFailed):
        assert not issubclass(internal, PrelabelError)
        assert "Internal" in (internal.__doc__ or "")
    assert issubclass(errors.RleError, errors.RecordSkip)


# --------------------------------------------------------------------------- Issue.path

UUID = "00000000-0000-4000-8000-{:012d}"
TRACKERS = ("data", "maker_response", "video2d", "data", "annotations")


def video_job() -> dict[str, Any]:
    """Two frames f1, f2; one rectangle tracker (car) with one object on f1."""
    box = [{"x": 0.1, "y": 0.2}, {"x": 0.4, "y": 0.2}, {"x": 0.4, "y": 0.6}, {"x": 0.1, "y": 0.6}]
    tracker = {"_id": UUID.format(1), "type": "rectangle", "label": "car",
               "frames": {"f1": {"_id": UUID.format(2), "label": "car", "attributes": {}, "coordinates": box}}}
    return {
        "reference_id": "job-1",
        "data": {
            "video_data": {"frames": [{"frame_id": "f1", "src": "https://x/1.jpg"},
                                      {"frame_id": "f2", "src": "https://x/2.jpg"}]},
            "maker_response": {"video2d": {"data": {"annotations": [tracker]}}},
        },
    }


def test_hand_made_job_is_valid() -> None:
    assert validate_payload(video_job()) == []


def test_schema_issue_has_its_path() -> None:
    job = video_job()
    job["data"]["maker_response"]["video2d"]["data"]["annotations"][0]["frames"]["f1"]["coordinates"][2]["x"] = "0.4"
    [issue] = validate_payload(job)
    assert issue.code == "wrong_type"
    assert issue.path == (*TRACKERS, 0, "frames", "f1", "coordinates", 2, "x")
    assert issue.location == "$.data.maker_response.video2d.data.annotations[0].frames.f1.coordinates[2].x"


def test_semantic_issues_have_their_paths() -> None:
    job = video_job()
    tracker = job["data"]["maker_response"]["video2d"]["data"]["annotations"][0]
    tracker["frames"]["f3"] = copy.deepcopy(tracker["frames"]["f1"])  # f3 is no frame of the job
    tracker["frames"]["f3"]["_id"] = UUID.format(3)
    tracker["frames"]["f1"]["_id"] = UUID.format(1)  # the tracker's own _id
    issues = PayloadValidator().check(job, "jobs.jsonl:1")
    by_code = {i.code: i for i in issues}
    assert sorted(by_code) == ["duplicate_id", "unknown_frame"]
    assert by_code["unknown_frame"].path == (*TRACKERS, 0, "frames", "f3")
    assert by_code["duplicate_id"].path == (*TRACKERS, 0, "frames", "f1", "_id")
    where = "jobs.jsonl:1 $.data.maker_response.video2d.data.annotations[0].frames.f1._id"
    assert by_code["duplicate_id"].location == where


def test_label_issue_path_and_report_json_unchanged() -> None:
    issues = validate_payload(video_job(), label_set={"truck"})
    assert [(i.code, i.path) for i in issues] == [
        ("unknown_label", (*TRACKERS, 0, "label")),
        ("unknown_label", (*TRACKERS, 0, "frames", "f1", "label")),
    ]
    # the --report JSON of an issue keeps its four keys
    assert issues[0].to_dict() == {"severity": "error", "code": "unknown_label", "message": issues[0].message,
                                   "location": "$.data.maker_response.video2d.data.annotations[0].label"}


def test_issue_path_defaults_to_empty() -> None:
    issue = Issue("warning", "clamped", "point clamped", "a.json:3")
    assert issue.path == ()
    assert str(issue) == "a.json:3: warning [clamped] point clamped"


# --------------------------------------------------------------------------- version


def test_version_comes_from_the_package_metadata() -> None:
    pyproject = (REPO / "pyproject.toml").read_text()
    [declared] = re.findall(r'^version = "([^"]+)"$', pyproject, re.M)
    assert converters.__version__ == version("playment-prelabel") == declared
    assert declared not in (REPO / "converters" / "__init__.py").read_text()


def test_version_fallback_when_not_installed() -> None:
    code = (
        "import importlib.metadata as m\n"
        "def missing(name):\n"
        "    raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
        "import converters\n"
        "print(converters.__version__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0+unknown"


def test_messages_name_options_as_the_caller_knows_them(tmp_path: Path) -> None:
    """The library names a keyword (``reference_id``), the CLI the flag its user typed."""
    from converters import Box, ConvertOptions, Frame, SceneObject, UsageError, scene_from_frames, write_scene
    from converters.cli import main

    frames = [Frame("a", "a.jpg", 10, 10, objects=[SceneObject("car", Box(0, 0, 5, 5))])]
    with pytest.raises(UsageError, match=r"^reference_id produced an empty reference id"):
        write_scene(scene_from_frames(frames), tmp_path / "x.jsonl", ConvertOptions(reference_id="{file_name:.0}"))
    with pytest.raises(UsageError, match=r"^frames_per_job must be at least 1"):
        ConvertOptions(frames_per_job=0)
    (tmp_path / "taken.jsonl").write_text("{}\n")
    with pytest.raises(UsageError, match=r"or pass overwrite=True to replace it"):
        write_scene(scene_from_frames(frames), tmp_path / "taken.jsonl")

    coco = tmp_path / "in.json"
    coco.write_text('{"images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}], '
                    '"annotations": [], "categories": [{"id": 1, "name": "car"}]}')
    err = io.StringIO()
    code = main(["convert", str(coco), "--from", "coco", "--out", str(tmp_path / "o.jsonl"),
                 "--frames-per-job", "0"], stdout=io.StringIO(), stderr=err)
    assert code == 2 and "--frames-per-job must be at least 1" in err.getvalue()
    err = io.StringIO()
    code = main(["convert", str(coco), "--from", "coco", "--out", str(tmp_path / "taken.jsonl")],
                stdout=io.StringIO(), stderr=err)
    assert code == 2 and "or pass --overwrite to replace it" in err.getvalue()


def test_one_path_is_accepted_wherever_a_list_of_inputs_is(tmp_path: Path) -> None:
    """convert("dets.json", ...) once iterated the string ("input d does not exist")."""
    from converters import convert, submit_payloads, validate_paths

    src = REPO / "fixtures/coco/bbox_dataset/input.json"
    report = convert(str(src), "coco", tmp_path / "jobs.jsonl")
    assert report.jobs > 0
    assert validate_paths(str(tmp_path / "jobs.jsonl")) == (report.jobs, [])
    assert validate_paths(tmp_path / "jobs.jsonl") == (report.jobs, [])
    summary = submit_payloads(str(tmp_path / "jobs.jsonl"), None, ledger_path=None, dry_run=True, project_id="p")
    assert summary.payloads == report.jobs


def test_every_package_ships_in_the_wheel() -> None:
    """pyproject's explicit package list names every folder of converters/ that holds modules."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "converters").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
