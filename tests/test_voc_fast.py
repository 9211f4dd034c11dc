"""Pascal VOC reader: the fast path for plain annotation files gives exactly what the full parse gives.

``voc._plain.plain_split`` accepts only plain files (no DTD, an ASCII-compatible encoding, objects
with name, pose, truncated, occluded, difficult and bndbox, no attributes, comments or entities in
the objects); every other file, and every plain file with a record that the full rules would skip,
is read by the element-tree path. Each document here is read twice, as the reader does and with the
fast path switched off, and both must give the same scene and the same report (counts, skips,
warnings, locations) or the same InputError. The plain layouts must really take the fast path.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from helpers import write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters import fast_paths
from converters.errors import InputError, Report
from converters.formats.voc import READER
from converters.formats.voc import _reader as voc
from converters.formats.voc._files import read_ahead
from converters.formats.voc._plain import plain_split
from converters.model import Box

Outcome = tuple[Any, ...]


def outcome(path: Path, options: dict[str, Any], fast: bool) -> Outcome:
    """("ok", scene, report) or ("error", message, location, code) of reading ``path``."""
    report = Report()
    with fast_paths.reference_only() if not fast else contextlib.nullcontext():
        try:
            scene = READER.read([path], options, report).expand_columns()
        except InputError as exc:
            return ("error", str(exc), exc.location, exc.code)
    return ("ok", scene, report)


def same_both_ways(path: Path, options: dict[str, Any] | None = None) -> Outcome:
    fast = outcome(path, options or {}, fast=True)
    full = outcome(path, options or {}, fast=False)
    assert fast == full
    return fast


def fast_only(path: Path, options: dict[str, Any] | None = None) -> Outcome:
    """Read with the element-tree path forbidden: the file must be plain."""
    boom = AssertionError("left the fast path")
    with mock.patch.object(voc._AnnotationReader, "_read_parsed", side_effect=boom):
        return outcome(path, options or {}, fast=True)


# --- documents -------------------------------------------------------------------------------

COMPACT = (
    "<annotation><folder>VOC</folder><filename>000001.jpg</filename><size><width>1920</width>"
    "<height>1080</height><depth>3</depth></size><segmented>0</segmented>"
    "<object><name>dog</name><pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>"
    "<bndbox><xmin>48</xmin><ymin>240</ymin><xmax>195</xmax><ymax>371</ymax></bndbox></object>"
    "<object><name>person</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>"
    "<bndbox><xmin>8</xmin><ymin>12</ymin><xmax>352</xmax><ymax>498</ymax></bndbox></object>"
    "</annotation>\n"
)

# VOC2007 layout: tabs, <source>/<owner> containers (with a <name> of their own), no declaration
VOC2007 = """<annotation>
\t<folder>VOC2007</folder>
\t<filename>000005.jpg</filename>
\t<source>
\t\t<database>The VOC2007 Database</database>
\t\t<annotation>PASCAL VOC2007</annotation>
\t\t<image>flickr</image>
\t\t<flickrid>325991873</flickrid>
\t</source>
\t<owner>
\t\t<flickrid>archintent louisville</flickrid>
\t\t<name>?</name>
\t</owner>
\t<size>
\t\t<width>500</width>
\t\t<height>375</height>
\t\t<depth>3</depth>
\t</size>
\t<segmented>0</segmented>
\t<object>
\t\t<name>chair</name>
\t\t<pose>Rear</pose>
\t\t<truncated>0</truncated>
\t\t<difficult>0</difficult>
\t\t<bndbox>
\t\t\t<xmin>263</xmin>
\t\t\t<ymin>211</ymin>
\t\t\t<xmax>324</xmax>
\t\t\t<ymax>339</ymax>
\t\t</bndbox>
\t</object>
\t<object>
\t\t<name>chair</name>
\t\t<pose>Unspecified</pose>
\t\t<truncated>1</truncated>
\t\t<difficult>1</difficult>
\t\t<bndbox>
\t\t\t<xmin>5</xmin>
\t\t\t<ymin>244</ymin>
\t\t\t<xmax>67</xmax>
\t\t\t<ymax>374</ymax>
\t\t</bndbox>
\t</object>
</annotation>
"""

# VOC2012 layout: <occluded>, <difficult> after the box
VOC2012 = """<?xml version="1.0" encoding="utf-8"?>
<annotation>
    <filename>2008_000008.jpg</filename>
    <size><width>500</width><height>442</height><depth>3</depth></size>
    <object>
        <name>horse</name>
        <pose>Left</pose>
        <truncated>0</truncated>
        <occluded>1</occluded>
        <bndbox><xmin>53</xmin><ymin>87</ymin><xmax>471.5</xmax><ymax>420</ymax></bndbox>
        <difficult>0</difficult>
    </object>
</annotation>
"""

# LabelImg: <path>, no pose values, floats; Kaggle: objects with name and box only
LABELIMG = """<annotation>
  <folder>images</folder>
  <filename>a b.png</filename>
  <path>/home/u/images/a b.png</path>
  <source><database>Unknown</database></source>
  <size><width>640</width><height>480</height><depth>3</depth></size>
  <segmented>0</segmented>
  <object><name>traffic light</name><bndbox><xmin>1.5</xmin><ymin>2.25</ymin><xmax>10</xmax>
  <ymax>20</ymax></bndbox></object>
</annotation>"""

PLAIN_DOCS = {
    "compact": COMPACT,
    "voc2007": VOC2007,
    "voc2012": VOC2012,
    "labelimg": LABELIMG,
    "crlf": VOC2007.replace("\n", "\r\n"),
    "bom": "\ufeff" + VOC2012,
    "declaration without encoding": '<?xml version="1.0" standalone="yes" ?>\n' + COMPACT,
    "single quotes": VOC2012.replace('"', "'"),
    "difficult twice": VOC2012.replace("<occluded>1</occluded>", "<difficult>1</difficult>"),
    "detector scores": VOC2007.replace("\t\t</bndbox>\n", "\t\t</bndbox>\n\t\t<score>0.25</score>\n", 1).replace(
        "\t\t</bndbox>\n\t</object>", "\t\t</bndbox>\n\t\t<confidence> 1e-3 </confidence>\n\t</object>"
    ),
    "score and difficult after the box": VOC2012.replace("</bndbox>", "</bndbox><score>0.5</score>"),
}


def test_hand_worked_plain_objects(tmp_path: Path) -> None:
    f = write(tmp_path / "Annotations" / "2008_000008.xml", VOC2012)
    _, scene, report = fast_only(f)
    (frame,) = scene.frames()
    assert (frame.id, frame.file_name, frame.width, frame.height) == ("2008_000008", "2008_000008.jpg", 500, 442)
    (o,) = frame.objects
    assert o.label == "horse"
    # 1-based inclusive 53..471.5 x 87..420 -> edges (53 - 1, 87 - 1, 471.5, 420)
    assert o.geometry == Box(52.0, 86.0, 471.5, 420.0)
    # document order; 0/1 -> No/Yes; the <difficult> after the box counts like one before it
    assert list(o.attributes.items()) == [
        ("pose", "Left"), ("truncated", "No"), ("occluded", "Yes"), ("difficult", "No")
    ]
    assert o.source == f"{f} <object 1>"
    assert (report.records_read, report.objects_read, report.issues) == (1, 1, [])
    # <difficult> before and after the box: the later one wins, as in the full parse
    g = write(tmp_path / "twice.xml", VOC2012.replace("<occluded>1</occluded>", "<difficult>1</difficult>"))
    (o,) = fast_only(g)[1].objects()
    assert o.attributes == {"pose": "Left", "truncated": "No", "difficult": "No"}


def test_unspecified_pose_and_absent_flags_are_not_attributes(tmp_path: Path) -> None:
    f = write(tmp_path / "c.xml", COMPACT)
    _, scene, _ = fast_only(f)
    first, second = scene.objects()
    assert first.attributes == {"truncated": "No", "difficult": "No"}  # pose Unspecified: omitted
    assert second.attributes == {"pose": "Left", "truncated": "Yes", "difficult": "No"}
    assert second.geometry == Box(7.0, 11.0, 352.0, 498.0)  # (8 - 1, 12 - 1, 352, 498)
    g = write(tmp_path / "l.xml", LABELIMG)
    (o,) = fast_only(g)[1].objects()
    assert (o.label, o.attributes) == ("traffic light", None)
    assert o.geometry == Box(0.5, 1.25, 10.0, 20.0)  # (1.5 - 1, 2.25 - 1, 10, 20)
    assert fast_only(g)[1].sequences[0].frames[0].file_name == "a b.png"


@pytest.mark.parametrize("name", sorted(PLAIN_DOCS))
def test_plain_layouts_take_the_fast_path_and_match(tmp_path: Path, name: str) -> None:
    f = write(tmp_path / "a.xml", PLAIN_DOCS[name])
    assert plain_split(f.read_bytes()) is not None
    assert fast_only(f) == same_both_ways(f)


def test_latin1_declared_file_is_plain(tmp_path: Path) -> None:
    doc = '<?xml version="1.0" encoding="ISO-8859-1"?>' + COMPACT.replace("<name>dog</name>", "<name>caf\xe9</name>")
    f = write(tmp_path / "l1.xml", doc, encoding="latin-1")
    result = fast_only(f)
    assert result == same_both_ways(f)
    assert [o.label for o in result[1].objects()] == ["caf\xe9", "person"]


def test_detector_scores_become_the_confidence(tmp_path: Path) -> None:
    f = write(tmp_path / "s.xml", PLAIN_DOCS["detector scores"])
    first, second = fast_only(f)[1].objects()
    assert (first.confidence, second.confidence) == (0.25, 0.001)  # <score>0.25, <confidence> 1e-3
    g = write(tmp_path / "t.xml", PLAIN_DOCS["score and difficult after the box"])
    (o,) = fast_only(g)[1].objects()
    assert (o.confidence, o.attributes["difficult"]) == (0.5, "No")


def test_zero_based_option_and_below_one_warning(tmp_path: Path) -> None:
    doc = COMPACT.replace("<xmin>8</xmin>", "<xmin>0</xmin>")
    f = write(tmp_path / "z.xml", doc)
    one_based = fast_only(f)
    assert one_based == same_both_ways(f)
    assert one_based[2].warnings["voc_coordinate_below_one"] == 1
    assert one_based[2].issues[0].location == f"{f} <object 2>"
    zero_based = fast_only(f, {"voc_zero_based": True})
    assert zero_based == same_both_ways(f, {"voc_zero_based": True})
    assert list(zero_based[1].objects())[1].geometry == Box(0.0, 12.0, 352.0, 498.0)  # 0-based: as written


# --- everything else goes to the full parse, with the same result ----------------------------

SIZE = "<size><width>1920</width><height>1080</height><depth>3</depth></size>"
OBJ = "<object><name>dog</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object>"
HEAD = "<annotation><filename>f.jpg</filename><size><width>100</width><height>50</height></size>"

NOT_PLAIN = {
    # records the full rules skip or read differently
    "empty name": COMPACT.replace("<name>dog</name>", "<name> </name>"),
    "unknown box value": COMPACT.replace("<xmin>48</xmin>", "<xmin>4 8</xmin>"),
    "empty box value": COMPACT.replace("<xmin>48</xmin>", "<xmin></xmin>"),
    "nan": COMPACT.replace("<xmin>48</xmin>", "<xmin>nan</xmin>"),
    "infinite": COMPACT.replace("<xmax>195</xmax>", "<xmax>1e999</xmax>"),
    "inverted": COMPACT.replace("<xmin>48</xmin>", "<xmin>480</xmin>"),
    "outside": COMPACT.replace("<xmin>48</xmin>", "<xmin>1948</xmin>").replace("<xmax>195</xmax>", "<xmax>1995</xmax>"),
    "no area": COMPACT.replace("<xmax>195</xmax>", "<xmax>47</xmax>"),
    "flag words": COMPACT.replace("<truncated>0</truncated>", "<truncated> true </truncated>"),
    "empty flag": COMPACT.replace("<truncated>0</truncated>", "<truncated></truncated>"),
    "bndbox order": COMPACT.replace("<ymin>240</ymin><xmax>195</xmax>", "<xmax>195</xmax><ymin>240</ymin>"),
    "part": VOC2007.replace(
        "\t\t</bndbox>\n\t</object>",
        "\t\t</bndbox>\n\t\t<part><name>head</name><bndbox><xmin>6</xmin><ymin>245</ymin><xmax>20</xmax>"
        "<ymax>260</ymax></bndbox></part>\n\t</object>",
        1,
    ),
    "actions": COMPACT.replace("</bndbox></object>", "</bndbox><actions><jumping>1</jumping></actions></object>", 1),
    "bad score": COMPACT.replace("</bndbox></object>", "</bndbox><score>high</score></object>", 1),
    "infinite score": COMPACT.replace("</bndbox></object>", "</bndbox><confidence>inf</confidence></object>", 1),
    "score before the box": COMPACT.replace("<bndbox>", "<score>0.5</score><bndbox>", 1),
    "score and confidence": COMPACT.replace("</bndbox>", "</bndbox><score>1</score><confidence>2</confidence>", 1),
    "score end tag mismatch": COMPACT.replace("</bndbox></object>", "</bndbox><score>1</confidence></object>", 1),
    "attribute on object": COMPACT.replace("<object>", '<object id="1">', 1),
    "comment between objects": COMPACT.replace("</object><object>", "</object><!-- x --><object>"),
    "text between objects": COMPACT.replace("</object><object>", "</object>junk<object>"),
    "entity in name": COMPACT.replace("<name>dog</name>", "<name>a &amp; b</name>"),
    "char reference": COMPACT.replace("<name>dog</name>", "<name>&#100;og</name>"),
    "cdata": COMPACT.replace("<name>dog</name>", "<name><![CDATA[dog]]></name>"),
    "gt in name": COMPACT.replace("<name>dog</name>", "<name>a>b</name>"),
    "cr in name": COMPACT.replace("<name>dog</name>", "<name>a\r\nb</name>"),
    "lone cr in name": COMPACT.replace("<name>dog</name>", "<name>a\rb</name>"),
    "tab and newline in name": COMPACT.replace("<name>dog</name>", "<name>\ta\nb </name>"),
    "space in end tag": COMPACT.replace("</name>", "</name >", 1),
    "nested object": HEAD + "<group>" + OBJ + "</group></annotation>",
    "object in header container": HEAD.replace("<size>", "<source>" + OBJ + "</source><size>") + OBJ + "</annotation>",
    "element after objects": COMPACT.replace("</annotation>", "<extra>1</extra></annotation>"),
    "no objects": HEAD + "</annotation>",
    # headers
    "header comment": COMPACT.replace("<folder>", "<!-- <object> --><folder>"),
    "header pi": COMPACT.replace("<folder>", "<?pi <object>?><folder>"),
    "header attribute": COMPACT.replace("<folder>", '<folder a=">">'),
    "header entity": COMPACT.replace("000001.jpg", "a&amp;b.jpg"),
    "deeper header": COMPACT.replace("<folder>VOC</folder>", "<a><b><c>1</c></b></a>"),
    "size in source": COMPACT.replace("<folder>VOC</folder>", "<source><size>9</size></source>"),
    "filename in owner": COMPACT.replace("<folder>VOC</folder>", "<owner><filename>x.jpg</filename></owner>"),
    "filename container": COMPACT.replace("<filename>000001.jpg</filename>", "<filename> <a>x</a></filename>"),
    "two filenames": COMPACT.replace("<folder>VOC</folder>", "<filename> first.jpg </filename>"),
    "size leaf": COMPACT.replace(SIZE, "<size>9</size>"),
    "blank size leaf": COMPACT.replace(SIZE, "<size> </size>"),
    "size without height": COMPACT.replace("<height>1080</height>", ""),
    "zero size": COMPACT.replace("<width>1920</width>", "<width>0</width>"),
    "two widths": COMPACT.replace("<width>1920</width>", "<width>640</width><width>1920</width>"),
    "no size": COMPACT.replace(SIZE, ""),
    "namespace": COMPACT.replace("<annotation>", '<annotation xmlns="urn:x">'),
    "prefixed namespace": COMPACT.replace("<annotation>", '<annotation xmlns:v="urn:x">'),
    "doctype": "<!DOCTYPE annotation>\n" + COMPACT,
    "xml 1.1": '<?xml version="1.1"?>' + COMPACT,
    "other root": COMPACT.replace("<annotation>", "<annotations>").replace("</annotation>", "</annotations>"),
    # malformed
    "cdata end in name": COMPACT.replace("<name>dog</name>", "<name>a]]>b</name>"),
    "control char in name": COMPACT.replace("<name>dog</name>", "<name>a\x01b</name>"),
    "nonchar in name": COMPACT.replace("<name>dog</name>", "<name>a\ufffeb</name>"),
    "mismatched tag": COMPACT.replace("</bndbox></object></annotation>", "</bndbox></objet></annotation>"),
    "truncated file": COMPACT[:-40],
    "text after root": COMPACT + "tail",
    "second root": COMPACT + "<annotation/>",
    "bare ampersand": COMPACT.replace("<name>dog</name>", "<name>a & b</name>"),
    "lt in header text": COMPACT.replace("000001.jpg", "a<b.jpg"),
}


@pytest.mark.parametrize("name", sorted(NOT_PLAIN))
def test_other_documents_read_the_same_both_ways(tmp_path: Path, name: str) -> None:
    f = write(tmp_path / "Annotations" / "a.xml", NOT_PLAIN[name])
    same_both_ways(f)
    same_both_ways(f)


@pytest.mark.parametrize(
    ("declaration", "data"),
    [
        ('encoding="utf8"', "caf\u00e9".encode()),  # pyexpat's table for utf8: ASCII only
        ('encoding="ascii"', "caf\u00e9".encode()),
        ('encoding="us-ascii"', b"caf\xe9"),
        ('encoding="utf-8"', b"caf\xe9"),  # not UTF-8
        ('encoding="latin1"', b"caf\xe9"),
        ('encoding="UTF-16"', b"cafe"),  # declared UTF-16 but written in one byte per character
        ('encoding="cp1252"', b"caf\xe9"),
        ("", b"caf\xed\xa0\x80"),  # an encoded surrogate
    ],
)
def test_encodings_read_the_same_both_ways(tmp_path: Path, declaration: str, data: bytes) -> None:
    head, tail = COMPACT.encode().split(b"dog", 1)
    body = f'<?xml version="1.0" {declaration}?>'.encode() if declaration else b""
    f = write(tmp_path / "e.xml", body + head + data + tail)
    same_both_ways(f)
    bom = write(tmp_path / "bom.xml", b"\xef\xbb\xbf" + body + head + data + tail)
    same_both_ways(bom)


def test_every_object_of_a_plain_file_with_one_bad_record_goes_to_the_full_parse(tmp_path: Path) -> None:
    # the skip of object 2 must carry the line and column of the full path: line 2, column 0
    doc = COMPACT.replace("</object><object>", "</object>\n<object>").replace("<xmin>8</xmin>", "<xmin>x</xmin>")
    f = write(tmp_path / "a.xml", doc)
    _, scene, report = same_both_ways(f)
    assert [o.label for o in scene.objects()] == ["dog"]
    (issue,) = report.issues
    assert (issue.code, issue.location) == ("bad_number", f"{f}:2:0 <object 2>")
    assert (report.records_read, report.objects_read) == (2, 1)


# --- mutations: any change to a plain file reads the same both ways --------------------------

TOKENS = [
    "<", ">", "&", "&amp;", "]]>", "\r", "\r\n", "\x01", "\t", " ", "\ufffe", "\u00e9", "<!-- c -->", "<?pi x?>",
    "<![CDATA[x]]>", ' a="1"', "<x/>", "<x>1</x>", "</object>", "<object>", "</bndbox>", "<difficult>1</difficult>",
    "<occluded>0</occluded>", "<score>0.5</score>", "<confidence>x</confidence>",
    "<pose>Left</pose>", "<name>cat</name>", "<size>", "</size>", "<filename>",
    "<!DOCTYPE annotation>", 'xmlns="u"', "0", "-", "1e9", "nan", ".", "\ufeff",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    doc=st.sampled_from([COMPACT, VOC2007, VOC2012, LABELIMG]),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 6), st.sampled_from(TOKENS) | st.text(max_size=3)),
        min_size=1,
        max_size=3,
    ),
)
def test_mutated_plain_documents_read_the_same_both_ways(
    tmp_path: Path, doc: str, edits: list[tuple[float, int, str]]
) -> None:
    for where, cut, token in edits:
        at = int(where * len(doc))
        doc = doc[:at] + token + doc[at + cut :]
    f = write(tmp_path / "Annotations" / "m.xml", doc.encode("utf-8", "surrogatepass"))
    same_both_ways(f)


TEXT = st.text(alphabet="0123456789.-+eE xXnaif\t\n\r&<>];\u00e9\x01\ufffe", max_size=6) | st.sampled_from(
    ["nan", "inf", "-1e999", "1_0", " 7 ", "Unspecified"]
)


VALID = {
    "folder": st.just("VOC"),
    "filename": st.sampled_from(["x.jpg", " a b.png "]),
    "width": st.sampled_from(["640", "640.5", " 640 "]),
    "height": st.just("480"),
    "name": st.sampled_from(["dog", "cat", " dog\n"]),
    "pose": st.sampled_from(["Unspecified", "Left", "", " Frontal "]),
    "truncated": st.sampled_from(["0", "1"]),
    "occluded": st.sampled_from(["0", "1"]),
    "difficult": st.sampled_from(["0", "1"]),
    "xmin": st.sampled_from(["1", "0", "20.5", "\n 3 "]),
    "ymin": st.sampled_from(["1", "0", "20.5", "7"]),
    "xmax": st.sampled_from(["100", "639", "700.5", "2"]),
    "ymax": st.sampled_from(["100", "480", "3"]),
    "score": st.sampled_from(["0.9", "1", " 0.5\n", "-2"]),
    "confidence": st.sampled_from(["0.1", "85"]),
}


@st.composite
def generated_documents(draw: st.DrawFn) -> str:
    """VOC documents with optional elements present or not, and now and then a random text."""

    def leaf(tag: str) -> str:
        text = draw(TEXT) if draw(st.integers(0, 19)) == 0 else draw(VALID[tag])
        return f"<{tag}>{text}</{tag}>"

    ws = draw(st.sampled_from(["", "\n\t", "\r\n  ", " "]))
    head = [leaf("folder"), leaf("filename"), f"<size>{leaf('width')}{ws}{leaf('height')}</size>"]
    objects = []
    for _ in range(draw(st.integers(1, 3))):
        flags = [t for t in ("pose", "truncated", "occluded", "difficult") if draw(st.booleans())]
        parts = [leaf("name"), *map(leaf, flags)]
        parts.append(f"<bndbox>{ws}{ws.join(leaf(t) for t in ('xmin', 'ymin', 'xmax', 'ymax'))}{ws}</bndbox>")
        if draw(st.booleans()):
            parts.append(leaf(draw(st.sampled_from(["score", "confidence"]))))
        if draw(st.booleans()):
            parts.append(leaf("difficult"))
        objects.append(f"<object>{ws}{ws.join(parts)}{ws}</object>")
    return f"<annotation>{ws}{ws.join(head)}{ws}{ws.join(objects)}{ws}</annotation>"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=generated_documents(), zero_based=st.booleans())
def test_generated_documents_read_the_same_both_ways(tmp_path: Path, doc: str, zero_based: bool) -> None:
    f = write(tmp_path / "Annotations" / "g.xml", doc)
    same_both_ways(f, {"voc_zero_based": zero_based})


# --- files are read ahead in batches ---------------------------------------------------------


def test_read_ahead_keeps_order_and_defers_errors(tmp_path: Path) -> None:
    # 150 files of 20 KB: a batch ends at 64 files or once past 1 MiB (after 53 files: 1.06 MB)
    paths = [str(write(tmp_path / f"{i:03d}.xml", bytes([65 + i % 26]) * 20_000)) for i in range(150)]
    paths.insert(70, str(tmp_path / "missing.xml"))
    got = list(read_ahead(paths))
    assert len(got) == 151
    assert [g[:1] for g in got if isinstance(g, bytes)] == [bytes([65 + i % 26]) for i in range(150)]
    (error,) = [g for g in got if isinstance(g, InputError)]
    assert got.index(error) == 70 and error.location == paths[70] and "cannot read file" in str(error)


def test_an_unreadable_file_stops_the_run_after_the_files_before_it(tmp_path: Path) -> None:
    folder = tmp_path / "ann"
    write(folder / "a.xml", COMPACT)  # 2 objects
    (folder / "b.xml").symlink_to(tmp_path / "nowhere.xml")  # listed, but cannot be opened
    write(folder / "c.xml", COMPACT)
    report = Report()
    with pytest.raises(InputError, match="cannot read file") as exc:
        READER.read([folder], {}, report)
    assert exc.value.location == str(folder / "b.xml")
    assert (report.records_read, report.objects_read) == (2, 2)  # a.xml was read, c.xml was not


def test_record_locations_of_small_and_very_large_files(tmp_path: Path) -> None:
    # locations "<path> <object k>" come from a per-run list of suffixes, kept up to 1024 objects
    one = "<object><name>a</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>"
    folder = tmp_path / "ann"
    for name, n in (("a", 5), ("b", 1030), ("c", 7)):
        write(folder / f"{name}.xml", HEAD + one * n + "</annotation>")
    boom = AssertionError("left the fast path")
    with mock.patch.object(voc._AnnotationReader, "_read_parsed", side_effect=boom):
        scene = READER.read([folder], {}, Report()).expand_columns()
    for seq, n in zip(scene.sequences, (5, 1030, 7), strict=True):
        (frame,) = seq.frames
        assert [o.source for o in frame.objects] == [f"{frame.source} <object {k}>" for k in range(1, n + 1)]
        assert all(o.geometry == Box(0.0, 0.0, 2.0, 2.0) for o in frame.objects)  # (1 - 1, 1 - 1, 2, 2)


def test_reference_only_never_takes_the_fast_path(tmp_path: Path) -> None:
    """Inside fast_paths.reference_only() the plain splitter is never called (the comparisons above
    compare two different paths, not one path twice)."""
    f = write(tmp_path / "a.xml", COMPACT)
    with fast_paths.reference_only(), mock.patch.object(voc, "plain_split", side_effect=AssertionError("fast")):
        scene = READER.read([f], {}, Report()).expand_columns()
    assert [o.label for o in scene.objects()] == ["dog", "person"]
