"""YOLO bad input: every problem names the file and line; skipped records keep the conservation law;
structural problems raise InputError / UsageError, never anything else."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yolo_helpers import conserved, frames, read, sizes, write

from converters.errors import InputError, PrelabelError, Report, UsageError
from converters.model import Box, Scene


def _pred(tmp_path: Path, content: str | bytes) -> tuple[Path, str]:
    write(tmp_path, {"pred/img.txt": content, "names.txt": "a\nb\n"})
    return tmp_path / "pred", sizes(tmp_path, {"img.jpg": [100, 100]})


DETECT: dict[str, Any] = {"yolo_task": "detect", "yolo_columns": "none"}
GOOD = "0 0.5 0.5 0.2 0.2\n"


def _read(tmp_path: Path, content: str | bytes, report: Report | None = None, **options: Any
          ) -> tuple[Scene, Report]:
    folder, size_file = _pred(tmp_path, content)
    opts: dict[str, Any] = {**DETECT, "image_sizes": size_file, "names": str(tmp_path / "names.txt")}
    opts.update(options)
    return read(folder, report, **opts)


@pytest.mark.parametrize(
    ("row", "code", "in_message"),
    [
        ("0 0.5 abc 0.2 0.2", "non_numeric", "'abc'"),
        ("x 0.5 0.5 0.2 0.2", "non_numeric", "'x'"),
        ("7 0.5 0.5 0.2 0.2", "unknown_class", "class 7"),
        ("-1 0.5 0.5 0.2 0.2", "bad_class", "'-1'"),
        ("1.5 0.5 0.5 0.2 0.2", "bad_class", "'1.5'"),
        ("0 nan 0.5 0.2 0.2", "not_finite", "NaN"),
        ("0 0.5 0.5 inf 0.2", "not_finite", "NaN or infinite"),
        ("0 0.5 0.5 0 0.2", "bbox_non_positive", "> 0"),
        ("0 0.5 0.5 -0.2 0.2", "bbox_non_positive", "> 0"),
    ],
)
def test_bad_record_is_skipped_with_file_and_line(
    tmp_path: Path, row: str, code: str, in_message: str
) -> None:
    _, rep = _read(tmp_path, GOOD + row + "\n" + GOOD)
    assert rep.skipped == {code: 1}
    (issue,) = rep.issues
    assert issue.location.endswith("img.txt:2")
    assert in_message in issue.message
    assert (rep.records_read, rep.objects_read) == (3, 2) and conserved(rep)


@pytest.mark.parametrize(
    ("row", "options", "code"),
    [
        ("0 0.5 0.5 0.2 0.2 nan", {"yolo_columns": "conf"}, "bad_confidence"),
        ("0 0.5 0.5 0.2 0.2 1.5", {"yolo_columns": "conf"}, "bad_confidence"),
        ("0 0.5 0.5 0.2 0.2 3.5", {"yolo_columns": "track"}, "bad_track_id"),
        ("0 0.5 0.5 0.2 0.2 0.9 x", {"yolo_columns": "conf+track"}, "non_numeric"),
    ],
)
def test_bad_trailing_column_is_skipped(tmp_path: Path, row: str, options: dict[str, Any], code: str) -> None:
    good = GOOD.strip() + {"conf": " 0.5", "track": " 1", "conf+track": " 0.5 1"}[options["yolo_columns"]]
    _, rep = _read(tmp_path, f"{good}\n{row}\n", **options)
    assert rep.skipped == {code: 1}
    assert rep.issues[0].location.endswith("img.txt:2") and conserved(rep)


def test_strict_turns_a_skip_into_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        _read(tmp_path, GOOD + "0 0.5 abc 0.2 0.2\n", Report(strict=True))
    assert err.value.location is not None and err.value.location.endswith("img.txt:2")


@pytest.mark.parametrize(
    ("content", "line", "n"),
    [
        (GOOD + "0 0.5 0.5 0.2\n", 2, 4),
        (GOOD + GOOD + "0 0.5 0.5 0.2 0.2 0.9\n", 3, 6),
        ("0 0.5 0.5 0.2 0.2 0.9 0.1 0.4 0.4\n", 1, 9),
    ],
)
def test_wrong_value_count_for_the_declared_task(tmp_path: Path, content: str, line: int, n: int) -> None:
    with pytest.raises(InputError) as err:
        _read(tmp_path, content)
    assert err.value.location is not None and err.value.location.endswith(f"img.txt:{line}")
    assert f"has {n} values" in err.value.message and "needs 5" in err.value.message
    assert err.value.code == "bad_columns"


def test_a_row_contradicting_the_inferred_layout_says_where_it_was_inferred(tmp_path: Path) -> None:
    folder, size_file = _pred(tmp_path, "")
    write(folder, {"a.txt": GOOD, "b.txt": GOOD + "0 0.5 0.5 0.2 0.2 0.9\n"})
    sizes(tmp_path, {"a.jpg": [10, 10], "b.jpg": [10, 10], "img.jpg": [10, 10]})
    with pytest.raises(InputError) as err:
        read(folder, image_sizes=size_file)
    message = str(err.value)
    assert "b.txt:2" in message and "inferred from" in message and "a.txt:1" in message


def test_pixel_coordinates_are_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="looks like pixel coordinates") as err:
        _read(tmp_path, "0 320 240 50 60\n1 100 80 20 20\n")
    assert err.value.location is not None and err.value.location.endswith("img.txt")


def test_some_values_slightly_outside_the_frame_are_kept_for_the_builder_to_clamp(tmp_path: Path) -> None:
    scene, rep = _read(tmp_path, "0 0.95 0.5 0.2 0.2\n0 1.2 0.5 0.2 0.2\n")
    objs = frames(scene)["img"].objects
    # x2 = (0.95 + 0.1) * 100 = 105 and (1.2 + 0.1) * 100 = 130: out of frame, kept as is
    assert [o.geometry.x2 for o in objs if isinstance(o.geometry, Box)] == pytest.approx([105.0, 130.0])
    assert rep.skipped == {} and conserved(rep)


def test_blank_lines_crlf_bom_and_cr_only(tmp_path: Path) -> None:
    expected = (40.0, 40.0, 60.0, 60.0)  # (0.5 -+ 0.1) * 100
    for i, content in enumerate([
        b"\n\n0 0.5 0.5 0.2 0.2\n   \n\t\n",
        b"0 0.5 0.5 0.2 0.2\r\n\r\n",
        b"\xef\xbb\xbf0 0.5 0.5 0.2 0.2\n",
        b"0 0.5 0.5 0.2 0.2\r0 0.5 0.5 0.2 0.2\r",
    ]):
        scene, rep = _read(tmp_path / str(i), content)
        objs = frames(scene)["img"].objects
        assert [o.geometry.bounds() for o in objs] == [pytest.approx(expected)] * len(objs)
        assert rep.records_read == len(objs) == (2 if i == 3 else 1)


def test_blank_line_is_not_counted_in_line_numbers_wrongly(tmp_path: Path) -> None:
    _, rep = _read(tmp_path, "\r\n0 0.5 0.5 0.2 0.2\r\n\r\n0 0.5 x 0.2 0.2\r\n")
    assert rep.issues[0].location.endswith("img.txt:4")


def test_utf16_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="UTF-16"):
        _read(tmp_path, "0 0.5 0.5 0.2 0.2\n".encode("utf-16"))


def test_missing_names_files(tmp_path: Path) -> None:
    folder, size_file = _pred(tmp_path, GOOD)
    with pytest.raises(UsageError, match="--names"):
        read(folder, image_sizes=size_file, names=str(tmp_path / "nope.txt"))
    write(tmp_path / "dn", {"obj.data": "classes = 2\nnames = data/obj.names\n", "x/1.png": "10x10",
                            "x/1.txt": GOOD})
    with pytest.raises(InputError) as err:
        read(tmp_path / "dn")
    assert err.value.location is not None and err.value.location.endswith("obj.data:2")
    assert "obj.names" in err.value.message


def test_blank_name_in_the_middle_of_a_names_file(tmp_path: Path) -> None:
    folder, size_file = _pred(tmp_path, GOOD)
    write(tmp_path, {"n.txt": "a\n\nc\n"})
    with pytest.raises(InputError) as err:
        read(folder, image_sizes=size_file, names=str(tmp_path / "n.txt"))
    assert err.value.location is not None and err.value.location.endswith("n.txt:2")


def test_label_without_image_when_images_are_given(tmp_path: Path) -> None:
    write(tmp_path, {"labels/a.txt": GOOD, "labels/b.txt": GOOD, "imgs/a.png": "10x10"})
    with pytest.raises(InputError) as err:
        read(tmp_path / "labels", images=[str(tmp_path / "imgs")], **DETECT)
    assert err.value.location is not None and err.value.location.endswith("b.txt")
    assert err.value.code == "no_image"


def test_dota_rows_without_an_image_size_name_the_label_file(tmp_path: Path) -> None:
    """DOTA rows are pixels: without an image or a size they cannot be normalized (YOLO rows can)."""
    write(tmp_path, {"labelTxt/a.txt": "10 10 20 10 20 20 10 20 plane 0\n"})
    with pytest.raises(InputError) as err:
        read(tmp_path / "labelTxt")
    assert err.value.location is not None and err.value.location.endswith("a.txt")
    assert "--image-sizes" in err.value.message and err.value.code == "no_image_size"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"a.jpg": [10]}', "expected \\[width, height\\]"),
        ('{"a.jpg": [0, 10]}', "positive"),
        ("[1, 2]", "expected an object"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_image_sizes_file(tmp_path: Path, content: str, match: str) -> None:
    write(tmp_path, {"labels/a.txt": GOOD, "s.json": content})
    with pytest.raises(InputError, match=match):
        read(tmp_path / "labels", image_sizes=str(tmp_path / "s.json"))


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    folder, size_file = _pred(tmp_path, GOOD)
    bad: list[dict[str, Any]] = [
        {"kpt_shape": "17"}, {"kpt_shape": "17,4"}, {"sequence_pattern": "(?P<frame>\\d+)"},
        {"sequence_pattern": "("}, {"yolo_task": "classify"}, {"image_sizes": str(tmp_path / "x")},
    ]
    for options in bad:
        with pytest.raises(UsageError):
            read(folder, None, **{"image_sizes": size_file, **options})


def test_corrupt_image_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path, {"labels/a.txt": GOOD, "images/a.jpg": b"\xff\xd8\xff\xe0 not really a jpeg"})
    with pytest.raises(InputError) as err:
        read(tmp_path)
    assert err.value.location is not None and err.value.location.endswith("a.jpg")


TOKENS = st.sampled_from(
    ["0", "1", "7", "0.5", "0.1", "-0.2", "1.2", "nan", "inf", "abc", "1e+06", "", "2.5"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(TOKENS, min_size=0, max_size=8).map(" ".join), min_size=0, max_size=6),
    task=st.sampled_from(["detect", "segment", "obb", "pose"]),
    columns=st.sampled_from(["none", "conf", "track", "conf+track"]),
    junk=st.text(alphabet=string.printable, max_size=20),
)
def test_fuzz_only_library_errors_and_conservation(
    tmp_path: Path, rows: list[str], task: str, columns: str, junk: str
) -> None:
    content = "\n".join([*rows, junk])
    folder, size_file = _pred(tmp_path, content)
    rep = Report()
    try:
        read(folder, rep, image_sizes=size_file, yolo_task=task, yolo_columns=columns,
             names=str(tmp_path / "names.txt"), kpt_shape="1,3")
    except PrelabelError:
        return
    assert conserved(rep)
