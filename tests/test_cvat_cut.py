"""CVAT reader: plain box rows cut out of the bytes before the XML parser (cvat/_row_cut.py).

Every result must be what parsing everything gives: each test reads the same bytes with the row
cutter on and off (and with the column-wise element batches off), and compares the whole outcome -
sequences, frames, objects with their source strings, the report with every issue, or the error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from helpers import write
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from converters import fast_paths
from converters.errors import PrelabelError, Report
from converters.formats.cvat import READER
from converters.formats.cvat import _parse as cvat_stream
from converters.formats.cvat import _row_cut as row_cut
from converters.formats.cvat import _xml_stream as cvat_xml
from converters.model import Box

LABELS = (
    "<labels><label><name>car</name><attributes><attribute><name>moving</name><mutable>True</mutable>"
    "<input_type>checkbox</input_type><default_value>false</default_value><values>false\ntrue</values>"
    "</attribute><attribute><name>color</name><input_type>select</input_type></attribute></attributes>"
    "</label><label><name>bike</name><attributes/></label></labels>"
)


def meta(start: int | None = 0, stop: int | None = 9, step: int = 1, labels: str = LABELS) -> str:
    frames = "" if start is None else f"<start_frame>{start}</start_frame><stop_frame>{stop}</stop_frame>"
    return (
        f"  <meta>\n    <task>\n      <id>7</id>\n      <name>clip</name>\n      {frames}\n"
        f"      <frame_filter>step={step}</frame_filter>\n      {labels}\n"
        "      <original_size><width>100</width><height>50</height></original_size>\n    </task>\n  </meta>\n"
    )


def video(tracks: str, head: str | None = None) -> str:
    """A "CVAT for video 1.1" export laid out as CVAT writes it (2-space indentation)."""
    head = head if head is not None else meta()
    prolog = '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n'
    return f"{prolog}{head}{tracks}</annotations>\n"


def row(
    frame: int | str,
    x: float | str = 1,
    *,
    outside: int = 0,
    occluded: int = 0,
    moving: str | None = "false",
    extra: str = "",
    one_line: bool = False,
) -> str:
    """One track row as CVAT >= 2.4 writes it (frame keyframe outside occluded xtl ytl xbr ybr z_order)."""
    start = (
        f'    <box frame="{frame}" keyframe="1" outside="{outside}" occluded="{occluded}" xtl="{x}" ytl="2.00" '
        f'xbr="{float(x) + 10 if not isinstance(x, str) else 20}" ybr="12.00"{extra} z_order="0">'
    )
    child = f'<attribute name="moving">{moving}</attribute>' if moving is not None else ""
    if one_line:
        return f"{start}{child}</box>\n"
    return f"{start}\n      {child}\n    </box>\n" if child else f"{start}\n    </box>\n"


def track(tid: int, rows: str, label: str = "car") -> str:
    return f'  <track id="{tid}" label="{label}" source="manual">\n{rows}  </track>\n'


def outcome(path: Path, strict: bool = False) -> dict[str, Any]:
    """Everything a read produces, sources and issues included."""
    report = Report(strict=strict)
    try:
        scene = READER.read([path], {}, report).expand_columns()
    except PrelabelError as exc:
        return {"error": [type(exc).__name__, str(exc), getattr(exc, "code", None)], "issues": report.to_dict()}
    frames = [
        (
            s.name,
            s.is_video,
            f.id,
            f.file_name,
            f.width,
            f.height,
            f.index,
            [(o.label, o.geometry, o.attributes, o.track_id, o.confidence, o.source) for o in f.objects],
        )
        for s in scene.sequences
        for f in s.frames
    ]
    return {"frames": frames, "labels": scene.labels, "report": report.to_dict()}


@pytest.fixture(autouse=True)
def cut_short_tracks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tracks here are short and the chunks small: cut them all the same (the reader leaves
    tracks < MIN_RUN rows, and stops looking after IDLE_CHUNKS chunks without a cut)."""
    monkeypatch.setattr(row_cut, "MIN_RUN", 1)
    monkeypatch.setattr(row_cut, "IDLE_CHUNKS", 10**9)


def read_all_ways(
    path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int | None = None, strict: bool = False
) -> list[dict[str, Any]]:
    """The outcome with rows cut (also: only long tracks cut), with rows parsed (a MIN_RUN no track
    reaches; column-wise batches), and on the reference path (rows parsed and converted one by one)."""
    out = []
    with monkeypatch.context() as m:
        if chunk is not None:
            m.setattr(cvat_xml, "CHUNK", chunk)
        for min_run in (1, 3, 10**9):
            m.setattr(row_cut, "MIN_RUN", min_run)
            out.append(outcome(path, strict))
        with fast_paths.reference_only():
            out.append(outcome(path, strict))
    return out


def cut_rows(path: Path) -> int:
    """How many rows the feeder cuts out of the file."""
    return sum(len(run.rows) for _, runs in cvat_xml.tree_batches(path, str(path)) for run in runs)


def write_xml(tmp_path: Path, text: str, name: str = "annotations.xml") -> Path:
    return write(tmp_path / name, text)


def test_cut_rows_convert_like_parsed_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows0 = row(0, 1.5) + row(1, 2.5, occluded=1, moving="true") + row(2, 3.5, outside=1) + row(3, 4.5)
    text = video(track(0, rows0) + track(1, row(0, 5, moving=None) + row(2, 6, one_line=True), label="bike"))
    path = write_xml(tmp_path, text)
    # track 0: 3 rows not outside (frames 0, 1, 3); track 1: frames 0 and 2. Every row is plain.
    assert cut_rows(path) == 6
    scene = READER.read([path], {}, report := Report()).expand_columns()
    (seq,) = scene.sequences
    assert [f.id for f in seq.frames] == [str(n) for n in range(10)]
    frame0, frame1, frame2, frame3 = seq.frames[:4]
    car = frame0.objects[0]
    assert (car.label, car.track_id, car.geometry) == ("car", "0", Box(1.5, 2.0, 11.5, 12.0))
    assert car.attributes == {"occluded": "No", "moving": "No"}  # checkbox false -> "No"
    assert car.source == f'{path}: <track id="0"> <box frame="0">'
    assert frame1.objects[0].attributes == {"occluded": "Yes", "moving": "Yes"}
    assert frame2.objects[0].label == "bike"  # frame 2 of track 0 is outside: only the bike
    assert frame2.objects[0].geometry == Box(6.0, 2.0, 16.0, 12.0)
    assert frame3.objects[0].attributes is car.attributes  # equal attributes: one shared dict
    assert (report.records_read, report.objects_read, report.records_skipped) == (5, 5, 0)
    first, *others = read_all_ways(path, monkeypatch)
    assert all(o == first for o in others)


@pytest.mark.parametrize("chunk", [1, 37, 200, 1000, 1 << 16])
def test_chunk_boundaries_do_not_change_the_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    rows = "".join(row(n, n, occluded=n % 2, moving=("true", "false")[n % 3 == 0]) for n in range(10))
    text = video(track(0, rows) + track(1, rows.replace('frame="4"', 'frame="44"')) + track(2, rows, "bike"))
    path = write_xml(tmp_path, text)
    reference = read_all_ways(path, monkeypatch)[2]
    assert reference["report"]["skipped_by_code"] == {"frame_out_of_range": 1}  # frame 44 of track 1
    for got in read_all_ways(path, monkeypatch, chunk):
        assert got == reference


def test_error_after_cut_rows_names_the_right_line_and_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "".join(row(n, n) for n in range(8))  # 3 lines per row
    assert cut_rows(write_xml(tmp_path, video(track(0, rows)), "good.xml")) == 8
    text = video(track(0, rows + "    </bogus>\n"))
    path = write_xml(tmp_path, text)
    lines = text.split("\n")
    line = lines.index("    </bogus>") + 1
    outcomes = read_all_ways(path, monkeypatch)
    # expat names a mismatched end tag by its name: column 6 (0-based) after "    </"
    assert outcomes[0]["error"][1] == f"{path}:{line}:6: malformed XML: mismatched tag (line {line}, column 6)"
    assert all(o == outcomes[0] for o in outcomes)


def test_rows_that_are_not_plain_are_converted_like_parsed_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = [
        row(1, "nan"),  # bad_value
        row(2, 30),  # xbr 20 < xtl 30: bbox_non_positive
        row(3, 3, extra=' rotation="30.00"'),  # not a ROW match: parsed
        row(4, 4) + row(4, 5),  # duplicate_track_frame
        row(12, 4),  # frame_out_of_range
        row("05", 4),  # not a frame id as written (int("05") = 5 is)
        row(6, 6, moving="a&amp;b"),  # entity: not cut
        row(7, 7, moving="ü"),  # not ASCII: not cut
        row(8, 8).replace("\n", "\r\n"),  # CRLF: not cut
    ]
    for i, b in enumerate(bad):
        rows = row(0, 0) + b + row(9, 9)
        path = write_xml(tmp_path, video(track(0, rows)), f"bad{i}.xml")
        for strict in (False, True):
            first, *others = read_all_ways(path, monkeypatch, strict=strict)
            assert all(o == first for o in others), b


def test_unknown_or_empty_label_skips_every_cut_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = row(0, 0) + row(1, 1, outside=1) + row(2, 2)
    path = write_xml(tmp_path, video(track(0, rows, "dog") + track(1, rows, "")))
    assert cut_rows(path) == 6
    first, *others = read_all_ways(path, monkeypatch)
    # 2 rows per track are records (the outside row is not); all skipped
    assert first["report"]["skipped_by_code"] == {"unknown_label": 2, "missing_label": 2}
    assert all(o == first for o in others)


def test_a_comment_stops_the_cutting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = row(0, 0) + row(1, 1) + '    <!-- <box frame="2"> -->\n' + row(2, 2) + row(3, 3)
    path = write_xml(tmp_path, video(track(0, rows)))
    assert cut_rows(path) == 2  # the rows before the comment
    first, *others = read_all_ways(path, monkeypatch)
    assert first["report"]["objects_read"] == 4
    assert all(o == first for o in others)


def test_rows_in_a_comment_are_never_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "    <!--\n" + row(0, 0) + row(1, 1) + "    -->\n" + row(2, 2)
    path = write_xml(tmp_path, video(track(0, rows)))
    assert cut_rows(path) == 0
    first, *others = read_all_ways(path, monkeypatch)
    assert first["report"]["objects_read"] == 1
    assert all(o == first for o in others)


def test_video_without_frame_range_gets_the_frames_the_rows_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = row(5, 1) + row(3, 2) + row(9, 3)
    path = write_xml(tmp_path, video(track(0, rows) + track(1, rows), head=meta(start=None)))
    first, *others = read_all_ways(path, monkeypatch)
    assert [f[2] for f in first["frames"]] == ["3", "5", "9"]  # sorted by number
    assert all(o == first for o in others)


def test_attribute_dicts_are_shared_within_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "".join(row(n, n, moving=f"v{n}") for n in range(10))  # no two rows alike
    path = write_xml(tmp_path, video(track(0, rows)))
    monkeypatch.setattr(cvat_stream, "ATTR_CACHE_SIZE", 3)
    first, *others = read_all_ways(path, monkeypatch)
    assert [o[0][2] for f in first["frames"] for o in [f[7]]] == [
        {"occluded": "No", "moving": f"v{n}"} for n in range(10)
    ]
    assert all(o == first for o in others)


def test_short_tracks_are_parsed_as_usual(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(row_cut, "MIN_RUN", 3)
    short, long = "".join(row(n, n) for n in range(2)), "".join(row(n, n) for n in range(3))
    assert cut_rows(write_xml(tmp_path, video(track(0, short) + track(1, long)))) == 3
    monkeypatch.setattr(row_cut, "SHORT_TRACKS", 2)  # after 2 short tracks, the chunk is parsed
    assert cut_rows(write_xml(tmp_path, video(track(0, short) + track(1, short) + track(2, long)))) == 0


def test_cutting_stops_after_chunks_without_plain_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    polygons = "".join(
        f'    <polygon frame="{n}" keyframe="1" outside="0" occluded="0" points="1,1;5,1;5,5" z_order="0"/>\n'
        for n in range(10)
    )
    text = video(track(0, polygons) + track(1, "".join(row(n, n) for n in range(10))))
    path = write_xml(tmp_path, text)
    monkeypatch.setattr(cvat_xml, "CHUNK", 1000)
    assert text.index('<track id="1"') > 1000  # the box track starts in the second chunk
    assert cut_rows(path) > 0
    monkeypatch.setattr(row_cut, "IDLE_CHUNKS", 1)
    assert cut_rows(path) == 0  # nothing cut in the first chunk: no cutting after it
    first, *others = read_all_ways(path, monkeypatch)
    assert first["report"]["objects_read"] == 20
    assert all(o == first for o in others)


def test_parser_that_defers_tokens_without_flush_is_never_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xml(tmp_path, video(track(0, row(0, 0) + row(1, 1))))
    monkeypatch.setattr(row_cut, "_DEFERS", True)
    if hasattr(row_cut.ET.XMLPullParser, "flush"):
        assert cut_rows(path) == 2
    else:
        assert cut_rows(path) == 0


def test_a_box_nested_in_a_row_is_not_taken_for_a_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = row(1, 1).replace("\n", "\n  ")
    rows = row(0, 0).replace("    </box>\n", "  " + inner + "    </box>\n") + row(2, 2)
    path = write_xml(tmp_path, video(track(0, rows)))
    first, *others = read_all_ways(path, monkeypatch)
    assert all(o == first for o in others)


# ---------------------------------------------------------------------------------------------
# property: random exports, broken or not, read the same with and without cutting
# ---------------------------------------------------------------------------------------------

VALUES = st.sampled_from(["1", "2.50", "0", "-3.25", "nan", "inf", "abc", "", "1e3", "1e999", "40"])
ROWS = st.lists(
    st.tuples(
        st.integers(0, 14) | st.sampled_from(["07", "x", " 3"]),
        st.sampled_from(["0", "0", "0", "1", "2"]),  # outside
        st.sampled_from(["0", "1", "2"]),  # occluded
        VALUES,
        st.sampled_from([None, "true", "false", "", "red", "a&amp;b"]),
        st.sampled_from(["new", "old", "odd"]),  # attribute order
        st.booleans(),  # one line
        st.sampled_from(["", "", ' rotation="10"', ' group_id="1"']),
    ),
    max_size=12,
)


def random_row(
    frame: int | str, outside: str, occ: str, x: str, moving: str | None, order: str, one: bool, extra: str
) -> str:
    flags = {
        "new": f'keyframe="1" outside="{outside}" occluded="{occ}"',
        "old": f'outside="{outside}" occluded="{occ}" keyframe="1"',
        "odd": f'occluded="{occ}" keyframe="1" outside="{outside}"',
    }[order]
    start = f'    <box frame="{frame}" {flags} xtl="{x}" ytl="2" xbr="30" ybr="12"{extra} z_order="0">'
    child = f'<attribute name="moving">{moving}</attribute>' if moving is not None else ""
    return f"{start}{child}</box>\n" if one else f"{start}\n      {child}\n    </box>\n"


@example(  # found by hypothesis: a --strict skip ended a row-by-row batch before its counts were kept
    tracks=[([(0, "0", "0", "1", None, "new", False, ""), (0, "0", "0", "1", None, "new", False, ' rotation="10"'),
              (0, "0", "0", "1", None, "new", False, "")], "car")],
    step=1, dynamic=False, chunk=1 << 16, damage="", where=0.0, strict=True,
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    tracks=st.lists(st.tuples(ROWS, st.sampled_from(["car", "bike", "dog"])), max_size=3),
    step=st.sampled_from([1, 2]),
    dynamic=st.booleans(),
    chunk=st.sampled_from([64, 500, 1 << 16]),
    damage=st.sampled_from(["", "cut", "junk"]),
    where=st.floats(0, 1),
    strict=st.booleans(),
)
def test_random_exports_read_the_same_with_and_without_cutting(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tracks: list[tuple[list[Any], str]],
    step: int,
    dynamic: bool,
    chunk: int,
    damage: str,
    where: float,
    strict: bool,
) -> None:
    body = "".join(track(i, "".join(random_row(*r) for r in rows), label) for i, (rows, label) in enumerate(tracks))
    text = video(body, head=meta(start=None if dynamic else 0, stop=12, step=step))
    at = int(where * len(text))
    if damage == "cut":
        text = text[:at]
    elif damage == "junk":
        text = text[:at] + "</x>" + text[at:]
    path = write_xml(tmp_path, text)
    first, *others = read_all_ways(path, monkeypatch, chunk, strict)
    assert all(json.dumps(o, default=repr) == json.dumps(first, default=repr) for o in others)


def test_reference_only_cuts_nothing_and_converts_row_by_row(tmp_path: Path) -> None:
    path = write_xml(tmp_path, video(track(0, "".join(row(n, 1.5 + n) for n in range(8)))))
    assert cut_rows(path) == 8
    batch = mock.patch.object(cvat_stream.FileReader, "_plain_boxes", side_effect=AssertionError("fast"))
    with fast_paths.reference_only(), batch:
        assert cut_rows(path) == 0
        scene = READER.read([path], {}, Report()).expand_columns()
    (seq,) = scene.sequences
    assert [o.geometry.x1 for f in seq.frames for o in f.objects] == [1.5 + n for n in range(8)]
