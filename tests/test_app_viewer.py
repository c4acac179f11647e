"""Slice viewer (Subjects page) and worst-cases gallery driven through AppTest on small real NIfTI volumes.

Expected slices and counts are computed with numpy on the same volumes the test wrote.
"""

from __future__ import annotations

import base64
import html
import re
import subprocess
import sys

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from streamlit.testing import v1 as st_testing

from app_fixtures import MAIN

SHAPE = (10, 12, 14)  # (k, j, i)
SUBJECTS = ("P-01", "P-02", "P-03")
KEY = "subjects.viewer"


def _volumes(seed: int):
    rng = np.random.default_rng(seed)
    image = rng.uniform(10, 100, SHAPE).astype(np.float32)
    gt = np.zeros(SHAPE, np.uint8)
    gt[3:6, 4:8, 5:9] = 1
    gt[4, 5:7, 6:8] = 2
    pred = np.zeros(SHAPE, np.uint8)
    pred[3 + seed % 2:7, 4:8, 5:9 + seed] = 1   # extra slices / columns: false positives
    pred[4, 5, 6] = 2
    return image, gt, pred


def _save(array: np.ndarray, path, spacing=(2.0, 1.0, 1.0)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    affine = np.diag([spacing[2], spacing[1], spacing[0], 1.0])  # NIfTI (i, j, k) order
    nib.save(nib.Nifti1Image(np.ascontiguousarray(array.T), affine), str(path))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Dataset X: P-01 and P-02 complete (model m1), P-03 without prediction and with an unreadable image."""
    root = tmp_path_factory.mktemp("viewer")
    raw, pdir = root / "X_images", root / "X_seg" / "m1"
    for n, sid in enumerate(SUBJECTS):
        image, gt, pred = _volumes(n)
        _save(gt, raw / sid / f"{sid}_seg.nii.gz")
        if sid == "P-03":
            (raw / sid / f"{sid}_t1.nii.gz").write_bytes(b"not a nifti file")
            continue
        _save(image, raw / sid / f"{sid}_t1.nii.gz")
        _save(pred, pdir / sid / f"{sid}_pred.nii.gz")
    features = pd.DataFrame({"ID": list(SUBJECTS), "t1_max_intensity": [1.0, 2.0, 3.0],
                             "lesion_size_a": [10.0, 20.0, 30.0]})
    features.to_csv(root / "features.csv", index=False)
    metrics = pd.DataFrame([{"ID": sid, "region": region, "model": "m1", "dice": dice, "hausdorff_distance": hd}
                            for sid, dice, hd in (("P-01", 0.9, 2.0), ("P-02", 0.5, 7.0))
                            for region in ("A", "B")])
    metrics.to_csv(root / "metrics.csv", index=False)
    config = root / "app.yaml"
    config.write_text(
        f"features: {{X: {root / 'features.csv'}}}\nmetrics: {{X: {root / 'metrics.csv'}}}\n"
        f"raw_datasets: {{X: {raw}}}\npredictions: {{X: {{m1: {pdir}}}}}\n"
        "labels: {BKG: 0, A: 1, B: 2, AB: [1, 2]}\nsequences: [_t1]\n", encoding="utf-8")
    return config


def _app(config, monkeypatch, page: str, **params):
    monkeypatch.setenv("AUDITAPP_CONFIG", str(config))
    at = st_testing.AppTest.from_file(str(MAIN), default_timeout=120)
    at.run()
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(f"views/{page}.py").run()
    return at


def _ok(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not [e.value for e in at.error]


def _open_viewer(config, monkeypatch, subject="P-01"):
    at = _app(config, monkeypatch, "subjects")
    at.sidebar.selectbox(key="subjects.id.X").set_value(subject).run()
    at.toggle(key="subjects.viewer.on").set_value(True).run()
    _ok(at)
    return at


def _planes(at) -> list[dict]:
    """Title, PNG source, legend names and crosshair lines of each plane (the ``images.plane_html`` figures in the
    viewer's one ``st.html`` element)."""
    out = []
    for body in _figures(at):
        out.append({
            "title": re.search(r'<figcaption[^>]*>([^<]*)</figcaption>', body).group(1),
            "source": re.search(r'<img src="([^"]+)"', body).group(1),
            "legend": [html.unescape(n) for n in re.findall(r'</span>([^<]+)</span>', body)],
            "crosshair": (float(re.search(r"top:([0-9.]+)%", body).group(1)),
                          float(re.search(r"left:([0-9.]+)%", body).group(1))),
        })
    return out


def _figures(at) -> list[str]:
    """The HTML of each plane figure, in page order."""
    bodies = [el.proto.body for el in at.get("html")]
    return [f for b in bodies for f in re.findall(r'<figure class="auditapp-plane".*?</figure>', b)]


def _png_rgb(uri: str) -> np.ndarray:
    """Decode the viewer's own PNG (8-bit RGB, filter 0) back to an array."""
    import zlib

    raw = base64.b64decode(uri.split(",", 1)[1])
    w, h = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
    pos, idat = 8, b""
    while pos < len(raw):
        n = int.from_bytes(raw[pos:pos + 4], "big")
        if raw[pos + 4:pos + 8] == b"IDAT":
            idat += raw[pos + 8:pos + 8 + n]
        pos += 12 + n
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(h, w, 3)


def _slider(at, axis: int, subject="P-01"):
    return at.slider(key=f"{KEY}.slice.X.{subject}.{axis}")


def test_viewer_three_planes_with_outcome_overlay(project, monkeypatch):
    at = _open_viewer(project, monkeypatch)
    planes = _planes(at)
    assert len(planes) == 3
    assert all(p["source"].startswith("data:image/png;base64,") for p in planes)
    assert planes[0]["legend"] == ["TP", "FP", "FN", "Wrong label"]
    assert planes[1]["legend"] == planes[2]["legend"] == []
    _, gt, pred = _volumes(0)
    # opens at the ground-truth centroid; titles give the slice
    k, j, i = (int(np.floor(c + 0.5)) for c in np.argwhere(gt > 0).mean(axis=0))  # (4, 5.5, 6.5) half up
    assert [_slider(at, a).value for a in range(3)] == [k, j, i]
    assert planes[0]["title"] == f"Axial {k} / 9"
    # the axial PNG is the slice flipped upside down, with outcome colours where GT/prediction are
    rgb = _png_rgb(planes[0]["source"])
    assert rgb.shape == (12, 14, 3)
    coloured = (rgb[:, :, 0] != rgb[:, :, 1]) | (rgb[:, :, 1] != rgb[:, :, 2])
    np.testing.assert_array_equal(coloured, ((gt[k] > 0) | (pred[k] > 0))[::-1])
    # voxel counts of the caption = numpy on the same volumes
    tp = int(((gt > 0) & (gt == pred)).sum())
    fp = int(((gt == 0) & (pred > 0)).sum())
    fn = int(((gt > 0) & (pred == 0)).sum())
    wrong = int(((gt > 0) & (pred > 0) & (gt != pred)).sum())
    assert f"m1 vs ground truth, All labels: TP {tp} · FP {fp} · FN {fn} · Wrong label {wrong} voxels" in [
        c.value for c in at.caption]


def test_slider_changes_only_its_plane(project, monkeypatch):
    at = _open_viewer(project, monkeypatch)
    before = [p["source"] for p in _planes(at)]
    assert _slider(at, 0).value == 4
    _slider(at, 0).set_value(3).run()
    _ok(at)
    after = _planes(at)
    assert after[0]["source"] != before[0]
    assert [p["source"] for p in after[1:]] == before[1:]
    assert after[0]["title"] == "Axial 3 / 9"
    # crosshair of the coronal plane (10 rows k, 14 columns i) moved to the new axial slice (row 9 - 3 from the
    # top); its vertical line stays at the sagittal slice 7
    assert _slider(at, 2).value == 7
    assert after[1]["crosshair"] == pytest.approx(((9 - 3 + 0.5) / 10 * 100, (7 + 0.5) / 14 * 100), abs=1e-3)
    assert 'aspect-ratio:14/20"' in _figures(at)[1]  # 14 columns of 1 mm, 10 rows of 2 mm


@pytest.mark.parametrize(("button", "kind"), [("fn", "fn"), ("fp", "fp")])
def test_jump_buttons_land_on_numpy_argmax(project, monkeypatch, button, kind):
    at = _open_viewer(project, monkeypatch, "P-02")
    at.button(key=f"{KEY}.jump.{button}").click().run()
    _ok(at)
    _, gt, pred = _volumes(1)
    fn = (gt > 0) & (pred != gt)
    fp = (pred > 0) & (pred != gt)
    mask = fn if kind == "fn" else fp
    expected = [int(np.argmax(mask.sum(axis=tuple(b for b in range(3) if b != a)))) for a in range(3)]
    got = [_slider(at, a, "P-02").value for a in range(3)]
    assert got == expected
    assert all(np.take(mask, got[a], axis=a).any() for a in range(3))


def test_centroid_button_and_single_label(project, monkeypatch):
    at = _open_viewer(project, monkeypatch)
    at.selectbox(key=f"{KEY}.label").set_value("B").run()
    _ok(at)
    _, gt, pred = _volumes(0)
    assert _planes(at)[0]["legend"] == ["TP", "FP", "FN"]  # no wrong label for one region
    tp, fn = int(((gt == 2) & (pred == 2)).sum()), int(((gt == 2) & (pred != 2)).sum())
    assert f"m1 vs ground truth, B: TP {tp} · FP 0 · FN {fn} voxels" in [c.value for c in at.caption]
    _slider(at, 0).set_value(0).run()
    at.button(key=f"{KEY}.jump.centroid").click().run()
    assert [_slider(at, a).value for a in range(3)] == [4, 6, 7]  # label 2 block [4, 5:7, 6:8]: (4, 5.5, 6.5)


def test_label_overlays_and_none(project, monkeypatch):
    at = _open_viewer(project, monkeypatch)
    at.selectbox(key=f"{KEY}.overlay").set_value("Ground truth labels").run()
    _ok(at)
    assert _planes(at)[0]["legend"] == ["A", "B"]
    at.selectbox(key=f"{KEY}.overlay").set_value("None").run()
    planes = _planes(at)
    assert planes[0]["legend"] == []
    rgb = _png_rgb(planes[0]["source"])
    assert (rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 1] == rgb[:, :, 2]).all()  # grey only
    at.slider(key=f"{KEY}.opacity").set_value(0.0).run()
    at.selectbox(key=f"{KEY}.overlay").set_value("Outcome (GT vs prediction)").run()
    rgb = _png_rgb(_planes(at)[0]["source"])
    assert (rgb[:, :, 0] == rgb[:, :, 2]).all()  # opacity 0: no colour


def test_missing_prediction_and_unreadable_image_are_named(project, monkeypatch):
    at = _open_viewer(project, monkeypatch, "P-03")
    infos = [i.value for i in at.info]
    pdir = project.parent / "X_seg" / "m1"
    assert any(i.startswith(f"Prediction of m1 not found: {pdir / 'P-03' / 'P-03_pred'} or {pdir / 'P-03_pred'}")
               for i in infos), infos
    warnings = [w.value for w in at.warning]
    assert any("P-03_t1.nii.gz" in w and "cannot read" in w for w in warnings), warnings
    assert not _planes(at)


def test_missing_ground_truth_and_images_are_named(tmp_path, monkeypatch):
    """Q-01 has an image only (no ground truth, no prediction), Q-02 a ground truth only (no image file)."""
    raw = tmp_path / "Y_images"
    image, gt, _ = _volumes(0)
    _save(image, raw / "Q-01" / "Q-01_t1.nii.gz")
    _save(gt, raw / "Q-02" / "Q-02_seg.nii")
    pd.DataFrame({"ID": ["Q-01", "Q-02"], "t1_max_intensity": [1.0, 2.0]}).to_csv(tmp_path / "f.csv", index=False)
    config = tmp_path / "app.yaml"
    config.write_text(f"features: {{Y: {tmp_path / 'f.csv'}}}\nraw_datasets: {{Y: {raw}}}\n"
                      "labels: {BKG: 0, A: 1, B: 2}\nsequences: [_t1]\n", encoding="utf-8")
    at = _app(config, monkeypatch, "subjects", set="Y", id="Q-01", view="slices")
    _ok(at)
    assert f"Ground truth not found: {raw / 'Q-01' / 'Q-01_seg'} (.nii.gz or .nii)." in [i.value for i in at.info]
    planes = _planes(at)  # the image alone, at its middle slices, without legend
    assert [p["title"] for p in planes] == ["Axial 5 / 9", "Coronal 6 / 11", "Sagittal 7 / 13"]
    assert planes[0]["legend"] == [] and not [c.value for c in at.caption if "voxels" in c.value]
    at.sidebar.selectbox(key="subjects.id.Y").set_value("Q-02").run()
    _ok(at)
    assert (f"No image file for Q-02 in {raw / 'Q-02'} (looked for Q-02_t1 with .nii.gz or .nii): the overlays are "
            "drawn on black.") in [i.value for i in at.info]
    rgb = _png_rgb(_planes(at)[0]["source"])
    assert (rgb[(gt[4] == 0)[::-1]] == 0).all()  # black outside the ground truth (no image)
    assert _planes(at)[0]["legend"] == ["Ground truth"]


def test_viewer_without_image_folder(tmp_path, monkeypatch):
    pd.DataFrame({"ID": ["S1"], "t1_max_intensity": [1.0]}).to_csv(tmp_path / "f.csv", index=False)
    config = tmp_path / "app.yaml"
    config.write_text(f"features: {{X: {tmp_path / 'f.csv'}}}\n", encoding="utf-8")
    at = _app(config, monkeypatch, "subjects")
    at.toggle(key="subjects.viewer.on").set_value(True).run()
    _ok(at)
    assert any(i.value.startswith("No image folder configured for X. Add `raw_datasets: {X: /path/to/images}`")
               for i in at.info)


def test_query_parameters_open_the_viewer(project, monkeypatch):
    at = _app(project, monkeypatch, "subjects", set="X", id="P-02", view="slices", model="m1", label="A")
    _ok(at)
    assert at.toggle(key="subjects.viewer.on").value
    assert at.selectbox(key=f"{KEY}.label").value == "A"
    assert len(_planes(at)) == 3


def test_gallery_worst_and_best_thumbnails(project, monkeypatch):
    at = _app(project, monkeypatch, "gallery")
    _ok(at)
    at.sidebar.number_input(key="gallery.n").set_value(1).run()
    _ok(at)
    assert [h.value for h in at.subheader] == ["1 worst", "1 best"]
    captions = [c for c in at.get("image")]
    assert len(captions) == 2
    texts = [img.proto.imgs[0].caption for img in captions]
    assert texts[0].startswith("P-02 · Dice 0.500 · axial ") and texts[1].startswith("P-01 · Dice 0.900 · axial ")
    # the thumbnail is the axial slice with the most errors (numpy)
    _, gt, pred = _volumes(1)
    errors = ((gt > 0) | (pred > 0)) & (gt != pred)
    assert f"axial {int(np.argmax(errors.sum(axis=(1, 2))))} ({int(errors.sum(axis=(1, 2)).max())} error voxels)" \
        in texts[0]
    at.sidebar.selectbox(key="gallery.metric").set_value("hausdorff_distance").run()
    texts = [img.proto.imgs[0].caption for img in at.get("image")]
    assert texts[0].startswith("P-02 · Hausdorff distance 7.000")  # lower is better: 7.0 is the worst
    [b for b in at.button if b.label == "Open in viewer"][0].click().run()
    _ok(at)
    assert "Slice viewer: P-02" in [h.value for h in at.subheader]
    assert len(_planes(at)) == 3


def test_gallery_needs_predictions(tmp_path, monkeypatch):
    pd.DataFrame({"ID": ["S1"], "region": ["A"], "model": ["m"], "dice": [0.5]}).to_csv(tmp_path / "m.csv",
                                                                                         index=False)
    config = tmp_path / "app.yaml"
    config.write_text(f"metrics: {{X: {tmp_path / 'm.csv'}}}\n", encoding="utf-8")
    at = _app(config, monkeypatch, "gallery")
    _ok(at)
    assert any("The gallery needs `predictions:`" in i.value for i in at.info)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    target = tmp_path_factory.mktemp("demo") / "demo"
    subprocess.run([sys.executable, "-m", "auditapp", "demo", str(target), "--subjects", "3", "--shape", "20", "24",
                    "24"], check=True, capture_output=True)
    return target / "configs" / "app.yaml"


def test_gallery_on_the_synthetic_demo(demo, monkeypatch):
    at = _app(demo, monkeypatch, "gallery")
    _ok(at)
    at.sidebar.number_input(key="gallery.n").set_value(3).run()
    _ok(at)
    images = at.get("image")
    assert len(images) == 6 and not at.info
    assert [h.value for h in at.subheader] == ["3 worst", "3 best"]


@pytest.mark.shared
def test_gallery_on_the_brats_samples(shared_dir, tmp_path, monkeypatch):
    brats, ref = shared_dir / "data" / "brats", shared_dir / "reference" / "metrics"
    lines = ["metrics:", f"  BraTS2024_PED: {ref}/extracted_information_BraTS2024_PED.csv",
             "raw_datasets:", f"  BraTS2024_PED: {brats}/BraTS2024_PED/BraTS2024_PED_images", "predictions:",
             "  BraTS2024_PED:"]
    lines += [f"    {m}: {brats}/BraTS2024_PED/BraTS2024_PED_seg/{m}" for m in ("SegResNet", "nnUnet")]
    lines += ["labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}"]
    config = tmp_path / "app.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    at = _app(config, monkeypatch, "gallery")
    _ok(at)
    at.sidebar.number_input(key="gallery.n").set_value(2).run()
    _ok(at)
    assert len(at.get("image")) == 4  # 2 worst + 2 best of the two PED subjects (no image files: drawn on black)
