"""CVAT reader: bad input (each problem a test), XML safety, and a fuzz test that only the
library's own exceptions ever come out."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import read_as, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters.errors import InputError, PrelabelError, Report, UsageError
from converters.formats._xml import fast_parser_is_safe
from converters.formats.cvat import READER

LABELS = """<labels>
  <label><name>car</name><attributes/></label>
  <label><name>road</name><attributes/></label>
  <label><name>person</name><type>skeleton</type><attributes/></label>
  <label><name>nose</name><type>points</type><attributes/><parent>person</parent></label>
</labels>"""
META = f"<meta><task><id>1</id><name>t</name>{LABELS}</task></meta>"
VIDEO_META = f"""<meta><task><id>1</id><name>v</name><start_frame>0</start_frame><stop_frame>4</stop_frame>
  <frame_filter></frame_filter>{LABELS}<original_size><width>10</width><height>10</height></original_size>
  </task></meta>"""


def doc(body: str, meta: str = META, prolog: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> str:
    return f"{prolog}<annotations>\n<version>1.1</version>\n{meta}\n{body}\n</annotations>\n"


def read(tmp_path: Path, text: str | bytes, name: str = "in.xml", **options: Any) -> tuple[Any, Report]:
    return read_as("cvat", write(tmp_path / name, text), **options)


# ---------------------------------------------------------------------------------------------
# record-level problems: the record is skipped with a reason code and a location
# ---------------------------------------------------------------------------------------------

BAD_SHAPES = [
    # malformed points
    ('<polygon label="road" occluded="0" points="1,2;3"/>', "malformed_points"),
    ('<polyline label="road" occluded="0" points="1;2"/>', "malformed_points"),
    ('<points label="road" occluded="0" points=""/>', "malformed_points"),
    ('<polygon label="road" occluded="0" points="a,b;c,d;e,f"/>', "malformed_points"),
    ('<polygon label="road" occluded="0" points="0,0;1,0;1,1;"/>', "malformed_points"),
    (
        '<skeleton label="person"><points label="nose" outside="0" points="1,2;3,4"/></skeleton>',
        "malformed_points",
    ),
    # too few points
    ('<polygon label="road" occluded="0" points="1,2;3,4"/>', "polygon_too_few_points"),
    ('<polygon label="road" occluded="0" points="1,2;3,4;1,2"/>', "polygon_too_few_points"),
    ('<polyline label="road" occluded="0" points="1,2"/>', "polyline_too_few_points"),
    ('<polygon label="road" occluded="0" points="0,0;1,1;2,2"/>', "polygon_degenerate"),  # collinear
    # missing coordinates
    ('<box label="car" occluded="0" xtl="1" ytl="1" xbr="2"/>', "missing_coordinates"),
    ('<polygon label="road" occluded="0"/>', "missing_coordinates"),
    ('<cuboid label="car" occluded="0" xtl1="1" ytl1="1" xbl1="1" ybl1="2"/>', "missing_coordinates"),
    ('<ellipse label="road" occluded="0" cx="1" cy="1" rx="2"/>', "missing_coordinates"),
    ('<mask label="road" occluded="0" left="0" top="0" width="2" height="2"/>', "missing_coordinates"),
    ('<mask label="road" occluded="0" rle="4" left="0" top="0" width="2"/>', "missing_coordinates"),
    # non-numeric or non-finite values
    ('<box label="car" occluded="0" xtl="1.5px" ytl="1" xbr="2" ybr="2"/>', "bad_value"),
    ('<box label="car" occluded="0" xtl="nan" ytl="1" xbr="2" ybr="2"/>', "bad_value"),
    ('<box label="car" occluded="0" xtl="1" ytl="1" xbr="inf" ybr="2"/>', "bad_value"),
    ('<box label="car" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2" rotation="ten"/>', "bad_value"),
    ('<box label="car" occluded="maybe" xtl="1" ytl="1" xbr="2" ybr="2"/>', "bad_value"),
    ('<polyline label="road" occluded="0" points="1,2;nan,4"/>', "bad_value"),
    ('<ellipse label="road" occluded="0" cx="1" cy="one" rx="2" ry="2"/>', "bad_value"),
    ('<mask label="road" occluded="0" rle="1, x" left="0" top="0" width="2" height="1"/>', "bad_value"),
    ('<mask label="road" occluded="0" rle="2" left="0.5" top="0" width="2" height="1"/>', "bad_value"),
    # geometry without area / inconsistent
    ('<box label="car" occluded="0" xtl="5" ytl="1" xbr="2" ybr="2"/>', "bbox_non_positive"),
    ('<box label="car" occluded="0" xtl="1" ytl="2" xbr="3" ybr="2"/>', "bbox_non_positive"),
    ('<ellipse label="road" occluded="0" cx="1" cy="1" rx="0" ry="2"/>', "ellipse_non_positive"),
    # 1 + 2 = 3 run-length pixels for a 2 x 2 = 4 pixel box
    (
        '<mask label="road" occluded="0" rle="1, 2" left="0" top="0" width="2" height="2"/>',
        "mask_rle_mismatch",
    ),
    ('<mask label="road" occluded="0" rle="4" left="0" top="0" width="2" height="2"/>', "mask_empty"),
    # labels and kinds
    ('<box label="bus" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>', "unknown_label"),
    ('<box occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>', "missing_label"),
    ('<circle label="road" cx="1" cy="1" r="2"/>', "unsupported_shape"),
]


@pytest.mark.parametrize(("shape", "code"), BAD_SHAPES, ids=[f"{c}-{i}" for i, (_, c) in enumerate(BAD_SHAPES)])
def test_bad_shape_is_skipped_with_code_and_location(tmp_path: Path, shape: str, code: str) -> None:
    tag = shape[1 : shape.index(" ")]
    body = f'<image id="3" name="pic.jpg" width="10" height="10">{shape}</image>'
    scene, report = read(tmp_path, doc(body))
    assert list(scene.objects()) == []
    assert (report.records_read, report.objects_read) == (1, 0)
    assert report.skipped == {code: 1}
    (issue,) = report.issues
    assert issue.severity == "error" and issue.message
    assert issue.location.startswith(str(tmp_path / "in.xml")) and f"shape 1 <{tag}>" in issue.location
    assert 'name="pic.jpg"' in issue.location


def test_strict_turns_a_skip_into_an_input_error(tmp_path: Path) -> None:
    box = '<box label="bus" xtl="1" ytl="1" xbr="2" ybr="2"/>'
    body = f'<image id="0" name="a.jpg" width="10" height="10">{box}</image>'
    with pytest.raises(InputError, match=r"unknown_label.*\(strict=True\)"):
        read(tmp_path, doc(body), strict=True)


@pytest.mark.parametrize(
    ("row", "code"),
    [
        (
            '<box frame="x" keyframe="1" outside="0" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>',
            "bad_frame",
        ),
        ('<box keyframe="1" outside="0" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>', "bad_frame"),
        (
            '<box frame="1" keyframe="1" outside="2" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>',
            "bad_value",
        ),
        (
            '<box frame="9" keyframe="1" outside="0" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>',
            "frame_out_of_range",
        ),
        (
            '<box frame="-1" keyframe="1" outside="0" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>',
            "frame_out_of_range",
        ),
        ('<polygon frame="1" keyframe="1" outside="0" occluded="0" points="1,x"/>', "malformed_points"),
        ('<tag frame="1" label="car"/>', "unsupported_shape"),
    ],
)
def test_bad_track_row_is_skipped(tmp_path: Path, row: str, code: str) -> None:
    body = f'<track id="4" label="car">{row}</track>'
    scene, report = read(tmp_path, doc(body, VIDEO_META))
    assert report.skipped == {code: 1} and report.records_read == 1
    assert '<track id="4">' in report.issues[0].location
    assert [f.id for f in scene.sequences[0].frames] == ["0", "1", "2", "3", "4"]


# ---------------------------------------------------------------------------------------------
# structural problems: InputError naming the file (and line/column for XML syntax)
# ---------------------------------------------------------------------------------------------


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    # line 1 declaration, 2 <annotations>, 3 <version>, 4 <meta>...</meta> (one line here), 5 the image:
    # its <box> is never closed, so </image> on line 6 is a mismatched tag.
    body = '<image id="0" name="a.jpg" width="2" height="2"><box label="car" xtl="0" ytl="0" xbr="1" ybr="1">'
    text = doc(body + "\n</image>", meta="<meta><task><name>t</name></task></meta>")
    with pytest.raises(InputError) as info:
        read(tmp_path, text)
    err = info.value
    m = re.search(r"line (\d+), column (\d+)", err.message)
    assert err.message.startswith("malformed XML: mismatched tag") and m is not None
    assert m.group(1) == "6"
    assert err.location == f"{tmp_path / 'in.xml'}:6:{m.group(2)}"


def test_malformed_xml_after_many_shapes_is_still_an_error(tmp_path: Path) -> None:
    rows = "".join(
        f'<box frame="{i % 5}" keyframe="1" outside="0" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>'
        for i in range(5)
    )
    tracks = "".join(f'<track id="{i}" label="car">{rows}</track>\n' for i in range(3000))
    text = doc(tracks, VIDEO_META).replace("</annotations>", "</annotation>")
    with pytest.raises(InputError, match="malformed XML: mismatched tag"):
        read(tmp_path, text)


@pytest.mark.parametrize(
    ("image", "code"),
    [
        ('<image id="0" name="a.jpg" height="10"/>', "missing_size"),
        ('<image id="0" name="a.jpg" width="10"/>', "missing_size"),
        ('<image id="0" name="a.jpg" width="ten" height="10"/>', "bad_size"),
        ('<image id="0" name="a.jpg" width="0" height="10"/>', "bad_size"),
        ('<image id="x" width="4" height="4"/>', "bad_image"),
    ],
)
def test_image_without_usable_size_is_an_input_error(tmp_path: Path, image: str, code: str) -> None:
    with pytest.raises(InputError) as info:
        read(tmp_path, doc(image))
    assert info.value.code == code and "<image" in str(info.value)


@pytest.mark.parametrize(
    "task",
    [
        "<start_frame>one</start_frame><stop_frame>4</stop_frame>",
        "<start_frame>5</start_frame><stop_frame>4</stop_frame>",
        "<original_size><width>wide</width><height>10</height></original_size>",
        "<original_size><width>-5</width><height>10</height></original_size>",
    ],
)
def test_bad_meta_is_an_input_error(tmp_path: Path, task: str) -> None:
    with pytest.raises(InputError) as info:
        read(tmp_path, doc("", f"<meta><task><name>t</name>{task}</task></meta>"))
    assert info.value.code == "bad_meta"


@pytest.mark.parametrize("prolog", ["", "<!DOCTYPE annotations>\n"])
def test_unknown_encoding_is_an_input_error(tmp_path: Path, prolog: str) -> None:
    text = doc("", prolog=f'<?xml version="1.0" encoding="utf-81"?>\n{prolog}')
    with pytest.raises(InputError, match="cannot decode"):
        read(tmp_path, text)


def test_not_a_cvat_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="root element is <annotation>") as info:
        read(tmp_path, "<annotation><object/></annotation>")
    assert info.value.code == "not_cvat"


def test_meta_after_images_is_an_input_error(tmp_path: Path) -> None:
    text = doc('<image id="0" name="a.jpg" width="2" height="2"/>\n' + META)
    with pytest.raises(InputError, match="<meta> must come once"):
        read(tmp_path, text)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="malformed XML: no element found"):
        read(tmp_path, "")
    with pytest.raises(UsageError, match="no such file"):
        READER.read([tmp_path / "absent.xml"], {}, Report())
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no CVAT XML files found in"):
        READER.read([tmp_path / "empty"], {}, Report())


# ---------------------------------------------------------------------------------------------
# safety: hardened parsing, no entity expansion, nothing fetched
# ---------------------------------------------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE annotations [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(2, 10)).replace(
        "&lol1;", "&lol;"
    )
    + "]>\n<annotations>&lol9;</annotations>\n"
)


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    # 10^9 "lol"s if expanded; refused at the first entity declaration instead (how fast: make bench,
    # benchmarks/bench_hostile.py)
    with pytest.raises(InputError, match=r"refused: the XML declares entity 'lol'"):
        read(tmp_path, LAUGHS)


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    text = (
        f'<?xml version="1.0"?>\n<!DOCTYPE annotations [\n <!ENTITY xxe SYSTEM "file://{secret}">\n]>\n'
        "<annotations><version>&xxe;</version></annotations>\n"
    )
    with pytest.raises(InputError, match="refused") as info:
        read(tmp_path, text)
    assert "TOP SECRET" not in str(info.value)


def test_parameter_entity_is_refused(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE annotations [\n <!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd">\n'
        " %p;\n]>\n<annotations/>\n"
    )
    with pytest.raises(InputError, match="refused"):
        read(tmp_path, text)


def test_external_dtd_is_never_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "LEAKED">\n')
    box = '<box label="&secret;" xtl="0" ytl="0" xbr="1" ybr="1"/>'
    body = f'<image id="0" name="a.jpg" width="4" height="4">{box}</image>'
    text = doc(body, prolog=f'<?xml version="1.0"?>\n<!DOCTYPE annotations SYSTEM "file://{dtd}">\n')
    try:
        scene, report = read(tmp_path, text)
    except InputError as exc:  # refusing is fine too; leaking is not
        assert "LEAKED" not in str(exc)
    else:
        assert "LEAKED" not in [o.label for o in scene.objects()]
        assert all("LEAKED" not in i.message for i in report.issues)


def test_doctype_hidden_behind_a_long_prolog_still_goes_to_the_safe_parser(tmp_path: Path) -> None:
    # a comment longer than the first 64 KiB chunk: the prolog cannot be decided -> safe parser
    text = '<?xml version="1.0"?>\n<!--' + "x" * 70_000 + "-->\n" + LAUGHS.split("\n", 1)[1]
    with pytest.raises(InputError, match="refused"):
        read(tmp_path, text)


def test_utf16_file_goes_to_the_safe_parser(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="refused"):
        read(tmp_path, LAUGHS.replace('version="1.0"', 'version="1.0" encoding="utf-16"').encode("utf-16"))
    box = '<box label="car" xtl="0" ytl="0" xbr="1" ybr="1"/>'
    body = f'<image id="0" name="ü.jpg" width="4" height="4">{box}</image>'
    text = doc(body, prolog='<?xml version="1.0" encoding="utf-16"?>\n')
    scene, _ = read(tmp_path, text.encode("utf-16"))
    assert [s.name for s in scene.sequences] == ["ü"]


def test_safe_and_fast_parsers_agree(tmp_path: Path) -> None:
    body = (
        '<image id="0" name="a.jpg" width="8" height="8"><box label="car" occluded="1" xtl="0" ytl="0" '
        'xbr="1" ybr="1"><attribute name="x">A &amp; B</attribute></box>'
        '<polygon label="road" occluded="0" points="0,0;4,0;4,4"/></image>'
    )
    fast, fast_report = read(tmp_path, doc(body), name="fast.xml")
    # a DTD without entity declarations is allowed, but only the safe parser takes it
    safe, safe_report = read(
        tmp_path, doc(body, prolog='<?xml version="1.0"?>\n<!DOCTYPE annotations>\n'), name="s.xml"
    )
    strip = [(o.label, o.geometry, o.attributes) for o in fast.objects()]
    assert strip == [(o.label, o.geometry, o.attributes) for o in safe.objects()]
    assert strip[0][2] == {"occluded": "Yes", "x": "A & B"}
    assert fast_report.records_read == safe_report.records_read == 2


@pytest.mark.parametrize(
    ("head", "plain"),
    [
        (b"<annotations>", True),
        (b'<?xml version="1.0"?>\n<annotations>', True),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\r\n<!-- <!DOCTYPE x> -->\n<?pi x?>\n<annotations>', True),
        (b'<?xml version="1.0"?>\n<!DOCTYPE annotations>\n<annotations>', False),
        (b"<!DOCTYPE annotations><annotations>", False),
        (b'<?xml version="1.0"?>\n<!-- unterminated', False),
        (b'<?xml version="1.0"?>\n<', False),
        (b"", False),
        (b"junk<annotations>", False),
        ('<?xml version="1.0" encoding="utf-16"?><annotations>'.encode("utf-16"), False),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><annotations>', True),
        # UTF-7 could spell "<!DOCTYPE" as "<+ACE-DOCTYPE": a byte walk cannot see it
        (b'<?xml version="1.0" encoding="UTF-7"?><+ACE-DOCTYPE x>', False),
        (b'<?xml version="1.0" encoding="cp037"?><annotations>', False),
    ],
)
def test_prolog_detection(head: bytes, plain: bool) -> None:
    """One rule for CVAT and VOC (formats/_xml.py): the C parser only for a DOCTYPE-free prolog in
    an encoding that reads ASCII as ASCII."""
    assert fast_parser_is_safe(head) is plain


# ---------------------------------------------------------------------------------------------
# fuzz: whatever the bytes, only the library's own exceptions; conservation when it reads
# ---------------------------------------------------------------------------------------------

SEED = doc(
    '<image id="0" name="a.jpg" width="10" height="10">'
    '<box label="car" occluded="1" xtl="1" ytl="1" xbr="5" ybr="5"><attribute name="a">x</attribute></box>'
    '<polygon label="road" occluded="0" points="0,0;4,0;4,4"/>'
    '<skeleton label="person"><points label="nose" outside="0" occluded="0" points="1,1"/></skeleton>'
    '<mask label="road" occluded="0" rle="1, 2, 1" left="1" top="1" width="2" height="2"/>'
    '<cuboid label="car" occluded="0" xtl1="1" ytl1="1" xbl1="1" ybl1="3" xtr1="3" ytr1="1" '
    'xbr1="3" ybr1="3" xtl2="4" ytl2="0" xbl2="4" ybl2="2" xtr2="2" ytr2="0" xbr2="2" ybr2="2"/>'
    '<tag label="road"/></image>'
).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(0, len(SEED)),
    pos=st.integers(0, len(SEED) - 1),
    junk=st.binary(max_size=6) | st.sampled_from([b'"', b"<", b">", b"&", b";", b",", b"-1", b"nan", b"1e999"]),
    mode=st.sampled_from(["truncate", "replace", "insert"]),
)
def test_fuzzed_input_raises_only_library_errors(cut: int, pos: int, junk: bytes, mode: str) -> None:
    if mode == "truncate":
        data = SEED[:cut]
    elif mode == "replace":
        data = SEED[:pos] + junk + SEED[pos + len(junk) :]
    else:
        data = SEED[:pos] + junk + SEED[pos:]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.xml"
        path.write_bytes(data)
        report = Report()
        try:
            scene = READER.read([path], {}, report).expand_columns()
        except PrelabelError:
            return
    # every record is either an object or a skip
    assert report.records_read == report.objects_read + report.records_skipped
    assert report.objects_read == sum(len(f.objects) for f in scene.frames())
