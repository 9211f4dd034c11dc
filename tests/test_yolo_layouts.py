"""YOLO dataset layouts, image sizes and video sequences."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from yolo_helpers import conserved, frames, read, sizes, write

from converters.errors import InputError
from converters.formats._images import jpeg_size, read_image_size

ROW = "0 0.5 0.5 0.2 0.2\n"


# ---------------------------------------------------------------------------------------------
# Ultralytics data.yaml
# ---------------------------------------------------------------------------------------------


def test_ultralytics_yaml_splits_names_dict_and_path(tmp_path: Path) -> None:
    write(tmp_path, {
        "cfg/data.yaml": "path: ../ds  # root\ntrain: images/train\nval: [images/val]\n"
                         "names:\n  0: person\n  1: bicycle with space\n",
        "ds/images/train/a.jpg": "40x20",
        "ds/labels/train/a.txt": "1 0.5 0.5 0.5 0.5\n",
        "ds/images/val/a.jpg": "40x20",
        "ds/labels/val/a.txt": ROW,
        "ds/images/val/b.jpg": "40x20",  # no label file: a frame without objects
    })
    scene, rep = read(tmp_path / "cfg" / "data.yaml")
    got = frames(scene)
    assert list(got) == ["images/train/a", "images/val/a", "images/val/b"]
    assert got["images/train/a"].objects[0].label == "bicycle with space"
    assert got["images/val/b"].objects == [] and got["images/val/b"].width == 40
    assert scene.labels == ["person", "bicycle with space"]
    assert rep.warnings == {} and conserved(rep)


def test_roboflow_style_paths_are_tolerated(tmp_path: Path) -> None:
    # train: ../train/images exists once "../" is dropped; ../valid/images does not exist at all
    write(tmp_path, {
        "data.yaml": "train: ../train/images\nval: ../valid/images\nnc: 1\nnames: ['x']\n",
        "train/images/t.jpg": "10x10", "train/labels/t.txt": ROW,
        "val/images/v.jpg": "10x10", "val/labels/v.txt": ROW,
    })
    scene, rep = read(tmp_path)
    assert list(frames(scene)) == ["train/images/t", "val/images/v"]
    assert rep.warnings == {"split_renamed": 1}  # valid and val: the same split under two names
    assert rep.issues[0].location.endswith("data.yaml:$.val") and "val/images" in rep.issues[0].message


def test_a_missing_split_is_an_error_naming_it(tmp_path: Path) -> None:
    """As Ultralytics: a split path that does not exist stops the run (no scan of the whole folder)."""
    write(tmp_path, {"data.yaml": "train: images/train\nval: images/holdout\nnames: [x]\n",
                     "images/train/t.jpg": "10x10", "labels/train/t.txt": ROW})
    with pytest.raises(InputError) as err:
        read(tmp_path)
    assert err.value.location is not None and err.value.location.endswith("data.yaml:$.val")
    assert "'images/holdout' not found" in err.value.message and err.value.code == "missing_split"


def test_splits_as_image_files_folders_and_lists_each_image_once(tmp_path: Path) -> None:
    """train: a list of image files and a folder; val = test (the same list file): every image once."""
    write(tmp_path, {
        "data.yaml": "train: [images/a.png, images/more]\nval: val.txt\ntest: val.txt\nnames: [x]\n",
        "images/a.png": "10x10", "labels/a.txt": ROW,
        "images/more/b.png": "20x10", "labels/more/b.txt": ROW,
        "val.txt": "images/c.png\n", "images/c.png": "10x20", "labels/c.txt": ROW,
    })
    scene, rep = read(tmp_path)
    assert sorted(frames(scene)) == ["images/a", "images/c", "images/more/b"]
    assert rep.warnings == {"split_duplicate": 1}  # c.png, listed by val and by test


def test_darknet_data_paths_resolve_from_the_project_root(tmp_path: Path) -> None:
    """PyTorch-YOLOv3: config/custom.data names data/custom/... relative to the repository root."""
    write(tmp_path, {
        "config/custom.data": "classes = 1\ntrain = data/custom/train.txt\nvalid = data/custom/train.txt\n"
                              "names = data/custom/classes.names\n",
        "data/custom/classes.names": "fish\n",
        "data/custom/train.txt": "data/custom/images/f.jpg\n",
        "data/custom/images/f.jpg": "40x20", "data/custom/labels/f.txt": ROW,
    })
    (tmp_path / ".git").mkdir()
    scene, rep = read(tmp_path / "config" / "custom.data")
    [obj] = scene.objects()
    assert obj.label == "fish" and rep.warnings == {"split_duplicate": 1}  # train = valid: read once


def test_split_as_image_list(tmp_path: Path) -> None:
    write(tmp_path, {
        "data.yaml": "train: lists/train.txt\nnames: [x]\n",
        "lists/train.txt": "./../images/a.png\nimages/b.png\n",
        "images/a.png": "10x10", "labels/a.txt": ROW,
        "images/b.png": "20x10",
    })
    scene, _ = read(tmp_path / "data.yaml")
    got = frames(scene)
    assert len(got["images/a"].objects) == 1
    assert got["images/b"].objects == [] and got["images/b"].width == 20


def test_labels_without_images_take_sizes_from_the_map(tmp_path: Path) -> None:
    write(tmp_path, {"ds/data.yaml": "train: images/sub dir\nnames: [x]\n",
                     "ds/labels/sub dir/my.file.name.txt": ROW})
    size_file = sizes(tmp_path, {"ds/images/sub dir/my.file.name.jpg": [300, 200]})
    scene, _ = read(tmp_path / "ds", image_sizes=size_file)
    (seq,) = scene.sequences
    frame = seq.frames[0]
    assert (seq.name, frame.id, frame.file_name) == (
        "images/sub dir/my.file.name", "my.file.name", "images/sub dir/my.file.name.jpg")
    assert (frame.width, frame.height) == (300, 200)
    # (0.5 -+ 0.1) * 300 = 150 -+ 30; * 200 = 100 -+ 20
    assert frame.objects[0].geometry.bounds() == pytest.approx((120, 80, 180, 120))


# ---------------------------------------------------------------------------------------------
# Darknet and plain folders
# ---------------------------------------------------------------------------------------------


def test_darknet_obj_data_with_data_prefix(tmp_path: Path) -> None:
    write(tmp_path, {
        "obj.data": "classes = 2\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/\n",
        "obj.names": "car\nbus\n",
        "train.txt": "data/obj_train_data/1.jpg\ndata/obj_train_data/2.jpg\n",
        "obj_train_data/1.jpg": "15x10", "obj_train_data/1.txt": "1 0.5 0.5 0.2 0.2\n",
        "obj_train_data/2.jpg": "15x10", "obj_train_data/2.txt": "",
    })
    scene, rep = read(tmp_path)
    got = frames(scene)
    assert [o.label for o in got["obj_train_data/1"].objects] == ["bus"]
    assert got["obj_train_data/2"].objects == []  # empty label file: frame without objects
    assert rep.records_read == 1


def test_folder_with_labels_dir_ignores_stray_text_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "obj.names": "a\nb\n", "README.txt": "This is not a label file.\n",
        "images/train/1.jpg": "15x10", "labels/train/1.txt": ROW,
        "Images/x.png": "5x5",
    })
    scene, rep = read(tmp_path)
    assert set(frames(scene)) == {"images/train/1", "Images/x"}
    assert rep.records_read == 1


def test_flat_folder_skips_classes_and_lists(tmp_path: Path) -> None:
    write(tmp_path, {"classes.txt": "a\n", "train.txt": "1.jpg\n", "1.jpg": "15x10", "1.txt": ROW})
    scene, rep = read(tmp_path)
    assert list(frames(scene)) == ["1"] and scene.labels == ["a"] and rep.records_read == 1


def test_label_files_given_one_by_one(tmp_path: Path) -> None:
    write(tmp_path, {"a.txt": ROW, "a.png": "10x10", "b.txt": ROW, "b.jpg": "20x20"})
    scene, _ = read([tmp_path / "a.txt", tmp_path / "b.txt"])
    assert {k: f.width for k, f in frames(scene).items()} == {"a": 10, "b": 20}


def test_image_list_as_input(tmp_path: Path) -> None:
    write(tmp_path, {"list.txt": "images/a.jpg\n", "images/a.jpg": "10x10", "labels/a.txt": ROW})
    scene, _ = read(tmp_path / "list.txt")
    assert len(scene.sequences) == 1 and len(scene.sequences[0].frames[0].objects) == 1


def test_images_flag_pairs_by_relative_path(tmp_path: Path) -> None:
    write(tmp_path, {"runs/labels/sub/a.txt": ROW, "src/sub/a.png": "30x10", "src/sub/c.png": "30x10"})
    scene, _ = read(tmp_path / "runs" / "labels", images=[str(tmp_path / "src")], yolo_columns="none")
    got = frames(scene)
    assert set(got) == {"sub/a", "sub/c"}  # names relative to the --images folder
    assert got["sub/a"].file_name == "sub/a.png" and got["sub/c"].objects == []


# ---------------------------------------------------------------------------------------------
# video predictions
# ---------------------------------------------------------------------------------------------


def test_ultralytics_video_frames_become_one_tracked_sequence(tmp_path: Path) -> None:
    write(tmp_path, {
        "predict/labels/clip_1.txt": "0 0.5 0.5 0.2 0.2 0.9 1\n1 0.1 0.1 0.1 0.1 0.8 2\n",
        "predict/labels/clip_2.txt": "0 0.52 0.5 0.2 0.2 0.91 1\n",
        "predict/labels/clip_10.txt": "1 0.2 0.2 0.1 0.1 0.7 2\n",
        "predict/labels/photo_shoot.txt": "0 0.5 0.5 0.2 0.2 0.5 9\n",
    })
    size_file = sizes(tmp_path, {"clip.mp4": [1000, 500], "photo_shoot.jpg": [10, 10]})
    scene, rep = read(tmp_path / "predict" / "labels", image_sizes=size_file, yolo_columns="conf+track")
    video = next(s for s in scene.sequences if s.is_video)
    assert video.name == "clip"
    # frames 1..10 in numeric order; 3..9 had no detections (Ultralytics writes no file) -> empty
    assert [f.id for f in video.frames] == [str(n) for n in range(1, 11)]
    assert [f.index for f in video.frames] == list(range(10))
    assert [len(f.objects) for f in video.frames] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert {(f.width, f.height) for f in video.frames} == {(1000, 500)}
    tracks = [(f.id, o.track_id) for f in video.frames for o in f.objects]
    assert tracks == [("1", 1), ("1", 2), ("2", 1), ("10", 2)]
    # (0.52 - 0.1) * 1000 = 420
    assert video.frames[1].objects[0].geometry.bounds()[0] == pytest.approx(420)
    assert frames(scene)["photo_shoot"].objects[0].track_id == 9
    assert conserved(rep) and rep.records_read == 5


def test_video_file_in_images_flag(tmp_path: Path) -> None:
    write(tmp_path, {"labels/cam_2.txt": ROW, "labels/cam_1.txt": ROW, "media/cam.mp4": b"\x00"})
    size_file = sizes(tmp_path, {"media/cam.mp4": [64, 32]})
    scene, _ = read(tmp_path / "labels", images=[str(tmp_path / "media")], image_sizes=size_file,
                    yolo_columns="none")
    (seq,) = scene.sequences
    assert seq.is_video and [f.id for f in seq.frames] == ["1", "2"] and seq.frames[0].width == 64


def test_video_without_size_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {"labels/cam_1.txt": ROW, "media/cam.mp4": b"\x00"})
    with pytest.raises(InputError, match="--image-sizes") as err:
        read(tmp_path / "labels", images=[str(tmp_path / "media")])
    assert err.value.location is not None and err.value.location.endswith("cam.mp4")


def test_sequence_pattern(tmp_path: Path) -> None:
    write(tmp_path, {
        "labels/cam1/f0002.txt": ROW, "labels/cam1/f0001.txt": ROW, "labels/cam2/f0001.txt": ROW,
        "labels/other.txt": ROW,
    })
    size_file = sizes(tmp_path, {"cam1.mp4": [100, 100], "cam2.mp4": [50, 50], "other.png": [10, 10]})
    scene, _ = read(tmp_path / "labels", image_sizes=size_file, yolo_columns="none",
                    sequence_pattern=r"(?P<sequence>cam\d+)/f(?P<frame>\d+)")
    videos = {s.name: s for s in scene.sequences if s.is_video}
    assert [f.id for f in videos["cam1"].frames] == ["0001", "0002"]
    assert videos["cam2"].frames[0].width == 50
    assert list(frames(scene)) == ["other"]


def test_sequence_pattern_with_frame_images(tmp_path: Path) -> None:
    write(tmp_path, {"labels/v_3.txt": ROW, "labels/v_1.txt": ROW,
                     "frames/v_1.png": "8x4", "frames/v_2.png": "8x4", "frames/v_3.png": "8x4"})
    scene, _ = read(tmp_path / "labels", images=[str(tmp_path / "frames")], yolo_columns="none",
                    sequence_pattern=r"(?P<sequence>v)_(?P<frame>\d+)")
    (seq,) = scene.sequences
    assert [(f.id, f.file_name, len(f.objects)) for f in seq.frames] == [
        ("1", "v_1.png", 1), ("2", "v_2.png", 0), ("3", "v_3.png", 1)]


def test_duplicate_frame_in_a_sequence(tmp_path: Path) -> None:
    write(tmp_path, {"labels/a/v_1.txt": ROW, "labels/b/v_01.txt": ROW})
    size_file = sizes(tmp_path, {"v.mp4": [10, 10]})
    with pytest.raises(InputError, match="frame '1'"):
        read(tmp_path / "labels", image_sizes=size_file, yolo_columns="none",
             sequence_pattern=r"(?:a|b)/(?P<sequence>v)_0*(?P<frame>\d+)")


def test_dataset_names_with_underscores_stay_still_images(tmp_path: Path) -> None:
    write(tmp_path, {"data.yaml": "train: images\nnames: [x]\n", "images/img_1.jpg": "10x10",
                     "labels/img_1.txt": ROW})
    scene, _ = read(tmp_path)
    assert [(s.name, s.is_video) for s in scene.sequences] == [("images/img_1", False)]


# ---------------------------------------------------------------------------------------------
# image sizes from headers
# ---------------------------------------------------------------------------------------------


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("progressive", [False, True])
def test_jpeg_header_size_and_exif_orientation(tmp_path: Path, orientation: int, progressive: bool) -> None:
    path = tmp_path / "o.jpg"
    Image.new("RGB", (40, 30)).save(path, exif=_exif(orientation), progressive=progressive)
    expected = (30, 40) if orientation in (5, 6, 7, 8) else (40, 30)  # 5-8 turn the image by 90 degrees
    assert read_image_size(path) == expected
    # cross-check with Pillow's own EXIF reading
    with Image.open(path) as im:
        assert im.getexif().get(0x0112) == orientation and im.size == (40, 30)


def test_png_gif_and_grayscale_headers(tmp_path: Path) -> None:
    Image.new("L", (7, 3)).save(tmp_path / "g.jpg")
    Image.new("RGB", (9, 4)).save(tmp_path / "p.png")
    Image.new("P", (5, 6)).save(tmp_path / "x.gif")  # through Pillow
    Image.new("RGB", (11, 2)).save(tmp_path / "b.bmp")
    assert [read_image_size(tmp_path / n) for n in ("g.jpg", "p.png", "x.gif", "b.bmp")] == [
        (7, 3), (9, 4), (5, 6), (11, 2)]


def test_jpeg_parser_gives_up_instead_of_guessing() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, format="JPEG")
    data = buf.getvalue()
    assert jpeg_size(data) == (4, 4)
    assert jpeg_size(data[:20]) is None  # frame header beyond the bytes given
    assert jpeg_size(b"\xff\xd8\x00\x00") is None


def test_image_size_map_wins_over_the_header(tmp_path: Path) -> None:
    write(tmp_path, {"images/a.png": "10x10", "labels/a.txt": ROW})
    size_file = sizes(tmp_path, {"images/a.png": [1000, 100]})
    scene, _ = read(tmp_path, image_sizes=size_file)
    assert frames(scene)["images/a"].width == 1000


def test_labels_folder_alone_finds_the_sibling_images_folder(tmp_path: Path) -> None:
    write(tmp_path, {"ds/labels/a.txt": ROW, "ds/images/a.jpg": "30x20"})
    scene, _ = read(tmp_path / "ds" / "labels")
    frame = frames(scene)["images/a"]
    # named relative to the folder the labels and images share (ds/)
    assert (frame.file_name, frame.width, frame.height) == ("images/a.jpg", 30, 20)


def test_ultralytics_predict_folder_with_rendered_images_and_crops(tmp_path: Path) -> None:
    # runs/detect/predict: rendered bus.jpg (original size), labels/bus.txt, crops/person/bus.jpg
    write(tmp_path, {"predict/bus.jpg": "80x40", "predict/labels/bus.txt": ROW,
                     "predict/crops/person/bus.jpg": "8x8"})
    scene, _ = read(tmp_path / "predict", yolo_columns="none")
    assert list(frames(scene)) == ["bus"]
    assert frames(scene)["bus"].width == 80 and len(frames(scene)["bus"].objects) == 1


def test_only_empty_label_files(tmp_path: Path) -> None:
    write(tmp_path, {"pred/a.txt": "", "pred/b.txt": "\n\n"})
    size_file = sizes(tmp_path, {"a.jpg": [10, 10], "b.jpg": [10, 10]})
    scene, rep = read(tmp_path / "pred", image_sizes=size_file)
    assert [len(f.objects) for f in frames(scene).values()] == [0, 0] and rep.records_read == 0
