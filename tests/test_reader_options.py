"""Typed reader options: one frozen dataclass per reader, built from a mapping or the CLI arguments."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from converters import Report, UsageError, read_scene
from converters.cli import build_parser
from converters.formats import get_reader
from converters.formats.coco import CocoOptions
from converters.formats.cvat import CvatOptions
from converters.formats.voc import VocOptions
from converters.formats.yolo import YoloOptions

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "coco" / "demo" / "instances.json"


@pytest.mark.parametrize("fmt", ["coco", "yolo", "cvat", "voc"])
def test_an_unknown_key_names_it_and_lists_the_valid_ones(fmt: str, tmp_path: Path) -> None:
    reader = get_reader(fmt)
    valid = reader.options_type.field_names()
    with pytest.raises(UsageError) as exc:
        reader.read([tmp_path], {"imagez": ["x"]}, Report())
    assert "'imagez'" in str(exc.value) and f"{fmt} reader" in str(exc.value)
    assert all(name in str(exc.value) for name in valid)


def test_read_scene_refuses_an_unknown_key_before_reading() -> None:
    with pytest.raises(UsageError, match=r"'imagez'.*valid: max_mask_pixels, images, skip_crowd"):
        read_scene([DEMO], "coco", Report(), reader_options={"imagez": "gt.json"})


@pytest.mark.parametrize("cls", [CocoOptions, YoloOptions, CvatOptions, VocOptions])
def test_options_are_frozen(cls: type) -> None:
    options = cls()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.images = ("x",)


def test_a_mapping_is_coerced_and_none_means_the_default() -> None:
    options = YoloOptions.from_mapping({"images": "imgs", "obb_as": None, "kpt_shape": "17,3"})
    assert options == YoloOptions(images=("imgs",), kpt_shape="17,3")
    assert options.obb_as == "polygon"
    assert VocOptions.from_mapping({"images": [Path("a"), "b"]}).images == ("a", "b")


def test_a_bad_choice_names_the_option_not_a_flag() -> None:
    with pytest.raises(UsageError, match=r"^yolo_task must be one of 'detect', 'segment', 'pose', 'obb', got 'box'"):
        YoloOptions(yolo_task="box")
    with pytest.raises(UsageError, match=r"^obb_as must be one of"):
        YoloOptions.from_mapping({"obb_as": "ellipse"})


def test_options_of_another_reader_are_refused() -> None:
    with pytest.raises(UsageError, match="takes CocoOptions, not VocOptions"):
        CocoOptions.from_mapping(VocOptions())


def test_the_cli_builds_the_chosen_readers_options() -> None:
    ns = build_parser().parse_args(["convert", "labels", "--from", "yolo", "--yolo-task", "detect",
                                    "--images", "imgs", "--obb-as", "rectangle", "--out", "o.jsonl"])
    assert YoloOptions.from_args(ns) == YoloOptions(images=("imgs",), yolo_task="detect", obb_as="rectangle")
    ns = build_parser().parse_args(["convert", "a.xml", "--from", "voc", "--voc-zero-based", "--out", "o"])
    assert VocOptions.from_args(ns) == VocOptions(voc_zero_based=True)
    ns = build_parser().parse_args(["convert", "a.xml", "--from", "cvat", "--out", "o"])
    assert CvatOptions.from_args(ns) == CvatOptions()
