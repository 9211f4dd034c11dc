"""Pascal VOC reader: every kind of bad input is an InputError (structural) or a located skip.

Structural problems stop the run with the file, line and column; record problems skip the record
with a reason code at ``file:line:col <object k>`` (XML) or ``file:line`` (result files).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from helpers import read_as, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters import UsageError
from converters.errors import InputError, PrelabelError, Report
from converters.model import Scene

HEAD = "<annotation>\n<size><width>100</width><height>50</height></size>\n"


def read(paths: list[Path], options: dict[str, object] | None = None, report: Report | None = None) -> Scene:
    return read_as("voc", paths, report or Report(), **(options or {}))[0]


def one_skip(
    tmp_path: Path, object_xml: str, options: dict[str, object] | None = None
) -> tuple[str, str, str]:
    """(code, message, location) of the single skip caused by one <object> on line 3."""
    f = write(tmp_path / "a.xml", HEAD + object_xml + "\n</annotation>\n")
    report = Report()
    read([f], options, report)
    assert report.records_read == 1 and report.objects_read == 0
    (issue,) = report.issues
    assert issue.location == f"{f}:3:0 <object 1>"  # the <object> opens line 3 at column 0
    return issue.code, issue.message, issue.location


def box(xmin: str, ymin: str, xmax: str, ymax: str, name: str = "car") -> str:
    return (
        f"<object><name>{name}</name><bndbox><xmin>{xmin}</xmin><ymin>{ymin}</ymin>"
        f"<xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox></object>"
    )


# --- structural: malformed and hostile XML ---------------------------------------------------


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    # line 3 is "    <name>car</nam>": 4 spaces + "<name>" (6) + "car" (3) = 13 -> '<', 14 '/', the end
    # tag's name at column 15, where expat reports the mismatch.
    f = write(tmp_path / "bad.xml", "<annotation>\n  <object>\n    <name>car</nam>\n")
    with pytest.raises(InputError) as exc:
        read([f])
    assert exc.value.location == f"{f}:3:15"
    assert "malformed XML: mismatched tag (line 3, column 15)" in str(exc.value)


def test_truncated_and_empty_files(tmp_path: Path) -> None:
    f = write(tmp_path / "cut.xml", "<annotation>\n  <object>\n")
    with pytest.raises(InputError, match=r"no element found \(line 3, column 0\)"):
        read([f])
    e = write(tmp_path / "empty.xml", b"")
    with pytest.raises(InputError, match=r"no element found \(line 1, column 0\)"):
        read([e])


def test_undefined_entity_is_malformed(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", HEAD + "<object><name>&car;</name></object></annotation>")
    with pytest.raises(InputError, match="undefined entity"):
        read([f])


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE annotation [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<annotation><object><name>&lol9;</name></object></annotation>
"""


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    f = write(tmp_path / "lol.xml", BILLION_LAUGHS)
    with pytest.raises(InputError, match="refused: the XML declares entity 'lol'") as exc:
        read([f])
    assert exc.value.location == str(f)


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.txt", "TOP SECRET")
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE annotation [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        "<annotation><object><name>&xxe;</name></object></annotation>\n"
    )
    f = write(tmp_path / "xxe.xml", doc)
    with pytest.raises(InputError, match="refused") as exc:
        read([f])
    assert "TOP SECRET" not in str(exc.value)


def test_utf16_file_with_entities_is_refused(tmp_path: Path) -> None:
    # The fast path's byte search cannot see "<!DOCTYPE" in UTF-16; such files take the hardened path.
    f = write(
        tmp_path / "u16.xml",
        BILLION_LAUGHS.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16"),
    )
    with pytest.raises(InputError, match="refused: the XML declares entity"):
        read([f])


def test_utf16_and_latin1_files_without_dtd_convert(tmp_path: Path) -> None:
    doc = (
        '<?xml version="1.0" encoding="{enc}"?>'
        + HEAD
        + box("1", "1", "2", "2", name="caf\u00e9")
        + "</annotation>"
    )
    u16 = write(tmp_path / "u16.xml", doc.format(enc="UTF-16").encode("utf-16"))
    l1 = write(tmp_path / "l1.xml", doc.format(enc="ISO-8859-1").encode("latin-1"))
    scene = read([u16, l1])
    assert [o.label for o in scene.objects()] == ["caf\u00e9", "caf\u00e9"]


def test_dtd_without_entities_is_accepted(tmp_path: Path) -> None:
    f = write(
        tmp_path / "dtd.xml", "<!DOCTYPE annotation>\n" + HEAD + box("1", "1", "2", "2") + "</annotation>"
    )
    assert [o.label for o in read([f]).objects()] == ["car"]


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    from converters.formats.voc._files import read_bytes

    with pytest.raises(InputError, match="is a folder, not a regular file") as exc:
        read_bytes(tmp_path)  # a directory: refused before any read
    assert exc.value.location == str(tmp_path)


# --- record level: boxes ---------------------------------------------------------------------


def test_missing_bndbox(tmp_path: Path) -> None:
    code, message, _ = one_skip(tmp_path, "<object><name>car</name><pose>Left</pose></object>")
    assert code == "bbox_missing" and message == "object 1 has no <bndbox>"


@pytest.mark.parametrize("missing", ["xmin", "ymin", "xmax", "ymax"])
def test_missing_one_of_the_four_values(tmp_path: Path, missing: str) -> None:
    values = {"xmin": "1", "ymin": "2", "xmax": "3", "ymax": "4"}
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items() if k != missing)
    code, message, _ = one_skip(tmp_path, f"<object><name>car</name><bndbox>{inner}</bndbox></object>")
    assert code == "bbox_missing_value" and f"no <{missing}>" in message


def test_empty_value_counts_as_missing(tmp_path: Path) -> None:
    code, message, _ = one_skip(tmp_path, box("1", "2", " ", "4"))
    assert code == "bbox_missing_value" and "no <xmax>" in message


def test_xmin_greater_than_xmax(tmp_path: Path) -> None:
    code, message, _ = one_skip(tmp_path, box("30", "2", "10", "4"))
    assert code == "bbox_inverted" and "xmin 30" in message and "xmax 10" in message


def test_ymin_greater_than_ymax(tmp_path: Path) -> None:
    code, _, _ = one_skip(tmp_path, box("1", "9", "3", "4"))
    assert code == "bbox_inverted"


@pytest.mark.parametrize("value", ["abc", "1,5", "0x10", "12px"])
def test_non_numeric_value(tmp_path: Path, value: str) -> None:
    code, message, _ = one_skip(tmp_path, box("1", "2", value, "4"))
    assert code == "bad_number" and repr(value) in message


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_value(tmp_path: Path, value: str) -> None:
    code, _, _ = one_skip(
        tmp_path, box(value, "2", "3", "4") if value != "inf" else box("1", "2", value, "4")
    )
    assert code == "bad_number"


@pytest.mark.parametrize(
    "values",
    [
        ("102", "2", "110", "4"),  # edges 101..110: starts right of the 100 px wide image
        ("1", "51", "3", "60"),  # edges 50..60 in y: starts at the bottom edge of the 50 px image
        ("-20", "2", "0", "4"),  # edges -21..0: ends at the left edge
        ("1", "-5", "3", "0"),  # edges -6..0 in y: ends at the top edge
    ],
)
def test_box_entirely_outside_the_image(tmp_path: Path, values: tuple[str, str, str, str]) -> None:
    code, message, _ = one_skip(tmp_path, box(*values))
    assert code == "bbox_outside_image" and "100x50 image" in message


def test_box_touching_the_image_by_one_pixel_is_kept(tmp_path: Path) -> None:
    # xmin=100 xmax=110: edges 99..110, overlaps the last pixel column [99, 100]
    f = write(tmp_path / "a.xml", HEAD + box("100", "1", "110", "2") + "</annotation>")
    assert len(list(read([f]).objects())) == 1


def test_zero_width_box_in_zero_based_files(tmp_path: Path) -> None:
    code, message, _ = one_skip(tmp_path, box("5", "2", "5", "4"), {"voc_zero_based": True})
    assert code == "bbox_non_positive" and "no area" in message


def test_missing_name(tmp_path: Path) -> None:
    code, _, _ = one_skip(tmp_path, "<object><name> </name><bndbox><xmin>1</xmin></bndbox></object>")
    assert code == "missing_label"


def test_a_label_set_is_not_a_reader_option(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="'label_set'"):
        one_skip(tmp_path, box("1", "2", "3", "4", name="tram"), {"label_set": {"car", "bus"}})


def test_bad_score_element(tmp_path: Path) -> None:
    code, _, _ = one_skip(tmp_path, "<object><name>car</name><score>high</score></object>")
    assert code == "bad_number"


# --- record level: result files --------------------------------------------------------------


def results_setup(tmp_path: Path, lines: str) -> tuple[Path, Path]:
    ann = tmp_path / "ann"
    write(
        ann / "img1.xml",
        HEAD.replace("<annotation>", "<annotation><filename>img1.jpg</filename>") + "</annotation>",
    )
    res = write(tmp_path / "res" / "comp4_det_test_car.txt", lines)
    return res, ann


def test_result_line_with_wrong_number_of_fields(tmp_path: Path) -> None:
    res, ann = results_setup(tmp_path, "img1 0.9 1 2 3 4\nimg1 0.8 1 2 3\n\nimg1 0.7 1 2 3 4 5\n")
    report = Report()
    scene = read([res], {"images": [str(ann)]}, report)
    assert len(list(scene.objects())) == 1
    assert [(i.code, i.location) for i in report.issues] == [
        ("wrong_field_count", f"{res}:2"),
        ("wrong_field_count", f"{res}:4"),  # line 3 is blank: not a record
    ]
    assert "got 5" in report.issues[0].message and "got 7" in report.issues[1].message
    assert report.records_read == 3


def test_result_for_an_image_not_in_images(tmp_path: Path) -> None:
    res, ann = results_setup(tmp_path, "img1 0.9 1 2 3 4\nimg7 0.8 1 2 3 4\n")
    report = Report()
    read([res], {"images": [str(ann)]}, report)
    (issue,) = report.issues
    assert (issue.code, issue.location) == ("unknown_image", f"{res}:2")
    assert "'img7'" in issue.message


def test_result_line_with_non_numeric_values(tmp_path: Path) -> None:
    res, ann = results_setup(tmp_path, "img1 high 1 2 3 4\nimg1 0.5 1 2 x 4\nimg1 nan 1 2 3 4\n")
    report = Report()
    read([res], {"images": [str(ann)]}, report)
    assert [(i.code, i.location) for i in report.issues] == [
        ("bad_number", f"{res}:1"),
        ("bad_number", f"{res}:2"),
        ("bad_number", f"{res}:3"),
    ]
    assert "'high'" in report.issues[0].message and "'x'" in report.issues[1].message


def test_result_box_checks(tmp_path: Path) -> None:
    res, ann = results_setup(tmp_path, "img1 0.9 5 2 3 4\nimg1 0.9 200 2 300 4\n")
    report = Report()
    read([res], {"images": [str(ann)]}, report)
    assert [i.code for i in report.issues] == ["bbox_inverted", "bbox_outside_image"]


def test_result_file_that_is_not_text(tmp_path: Path) -> None:
    res, ann = results_setup(tmp_path, "")
    res.write_bytes(b"\xff\xfe\x00\x81binary")
    with pytest.raises(InputError, match="not UTF-8"):
        read([res], {"images": [str(ann)]})


# --- property: nothing but the library's own exceptions -------------------------------------


VALID = (
    HEAD + "<object><name>car</name><pose>Left</pose><truncated>1</truncated>"
    "<bndbox><xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox>"
    "<part><name>head</name><bndbox><xmin>2</xmin><ymin>3</ymin><xmax>5</xmax><ymax>6</ymax></bndbox>"
    "</part><actions><jumping>1</jumping></actions></object></annotation>\n"
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(VALID)), length=st.integers(0, 12), junk=st.text(max_size=6))
def test_mutated_documents_raise_only_library_errors(
    tmp_path: Path, cut: int, length: int, junk: str
) -> None:
    f = write(tmp_path / "m.xml", VALID[:cut] + junk + VALID[cut + length :])
    report = Report()
    try:
        read([f], report=report)
    except PrelabelError:
        return
    assert report.records_read == report.objects_read + report.records_skipped


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=200))
def test_random_bytes_raise_only_library_errors(tmp_path: Path, data: bytes) -> None:
    f = write(tmp_path / "r.xml", data)
    with contextlib.suppress(PrelabelError):
        read([f])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_random_result_lines_raise_only_library_errors(tmp_path: Path, line: str) -> None:
    res, ann = results_setup(tmp_path, f"img1 0.9 1 2 3 4\n{line}\n")
    report = Report()
    read([res], {"images": [str(ann)]}, report)
    assert report.records_read == report.objects_read + report.records_skipped
