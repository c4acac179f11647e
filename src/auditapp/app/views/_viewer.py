"""The in-browser slice viewer, rendered by the Subjects page (and opened from clicks and the gallery).

A fragment: its widgets rerun the viewer only, not the page; the sliders and planes are a fragment inside it, so
a slider move reruns those only. Volumes, outcome maps and each displayed plane come from the cached
loaders of :mod:`auditapp.app.data`; the plane HTML from :mod:`auditapp.app.plots.images`.
"""

from __future__ import annotations

import streamlit as st

from auditapp.app import data
from auditapp.app.plots import images
from auditapp.errors import SubjectError
from auditapp.viewers import itksnap

__all__ = ["OVERLAYS", "slice_viewer", "slider_key"]

KEY = "subjects.viewer"
MAX_SIDE = 256
OVERLAYS = ("Outcome (GT vs prediction)", "Ground truth labels", "Prediction labels", "None")
JUMPS = (("fn", "Most false negatives"), ("fp", "Most false positives"), ("centroid", "Lesion centroid"))


def slider_key(dataset: str, subject: str, axis: int) -> str:
    """Session-state key of a plane's slice slider (per subject, so each subject opens at its own centroid)."""
    return f"{KEY}.slice.{dataset}.{subject}.{axis}"


def _jump(dataset: str, subject: str, target: tuple[int, int, int]) -> None:
    for axis, index in enumerate(target):
        st.session_state[slider_key(dataset, subject, axis)] = int(index)


def _controls(cfg, dataset: str, files: data.ViewerFiles, model: str | None, region: str | None):
    c1, c2, c3, c4, c5 = st.columns([1, 2, 1.4, 1, 1])
    seqs = list(files.sequences)
    main = cfg.viewer.main_sequence if cfg.viewer.main_sequence in seqs else (seqs[0] if seqs else None)
    sequence = c1.selectbox("Sequence", seqs, index=seqs.index(main) if main else 0, key=f"{KEY}.sequence",
                            format_func=lambda s: s.lstrip("_").upper(), disabled=not seqs)
    overlay = c2.selectbox("Overlay", OVERLAYS, key=f"{KEY}.overlay")
    models = list(files.predictions)
    if model in models and st.session_state.get(f"{KEY}.model") not in models:
        st.session_state[f"{KEY}.model"] = model
    chosen = c3.selectbox("Model", models, key=f"{KEY}.model", disabled=not models)
    regions = data.label_regions(cfg.labels)
    if region in regions and f"{KEY}.label" not in st.session_state:
        st.session_state[f"{KEY}.label"] = region
    label = c4.selectbox("Label", list(regions), key=f"{KEY}.label")
    opacity = c5.slider("Opacity", 0.0, 1.0, 0.5, 0.05, key=f"{KEY}.opacity")
    return sequence, overlay, chosen, regions[label], label, opacity


def _label_legend(cfg, values) -> tuple[tuple, tuple[str, ...], tuple[str, ...]]:
    labels = [lab for lab in cfg.labels or () if not lab.is_background and not lab.composite]
    rgb = itksnap.label_colors(tuple(cfg.labels or ()), cfg.label_colors)
    shown = [lab for lab in labels if values is None or lab.values[0] in values]
    colors = tuple((lab.values[0], rgb[lab.name]) for lab in labels)
    return colors, tuple(lab.name for lab in shown), tuple("#%02x%02x%02x" % rgb[lab.name] for lab in shown)


def _overlay(cfg, overlay, gt, pred, values):
    """(volume coloured by outcome or labels, prediction, label colours or None, legend names, legend colours)."""
    if overlay == OVERLAYS[0] and gt is not None:
        names, colors = images.legend_entries(with_wrong_label=values is None and pred is not None)
        if pred is None:
            names, colors = ("Ground truth",), colors[:1]
        return gt, pred, None, names, colors
    source = {OVERLAYS[0]: pred, OVERLAYS[1]: gt, OVERLAYS[2]: pred}.get(overlay)
    if source is None:
        return None, None, None, (), ()
    label_colors, names, colors = _label_legend(cfg, values)
    return source, None, label_colors, names, colors


@st.fragment
def slice_viewer(cfg, dataset: str, subject: str, *, model: str | None = None, region: str | None = None) -> None:
    """Three orthogonal planes of one subject with GT / prediction overlays, jump buttons and a slider per plane."""
    try:
        files = data.viewer_files(cfg, dataset, subject)
    except itksnap.ViewerError as exc:
        st.info(f"{exc} The slice viewer reads the files from `raw_datasets` / `datasets_path` and "
                "`predictions` of app.yaml.")
        return
    sequence, overlay, model, values, label, opacity = _controls(cfg, dataset, files, model, region)
    for message in data.missing_file_messages(cfg, dataset, files, model):
        st.info(message)
    image = data.file_signature(files.sequences.get(sequence) if sequence else None)
    gt = data.file_signature(files.seg)
    pred = data.file_signature(files.predictions.get(model) if model else None)
    if overlay == OVERLAYS[0] and gt is not None and pred is None:
        st.caption("No prediction to compare: the ground truth is shown alone.")
    try:
        _planes(cfg, dataset, subject, image, gt, pred, overlay, values, label, model, opacity)
    except (SubjectError, ValueError) as exc:
        st.warning(str(exc))


def _planes(cfg, dataset, subject, image, gt, pred, overlay, values, label, model, opacity) -> None:
    geometry = data.viewer_geometry(image, gt, pred)
    if geometry is None:
        st.info(f"Nothing to show for {subject}: no image, ground truth or prediction file was found.")
        return
    shape, spacing = geometry
    if image is not None and data.image_volume(*image).data.shape != shape:
        st.warning(f"{image[0]} has shape {data.image_volume(*image).data.shape[::-1]}, the segmentation "
                   f"{shape[::-1]}: the image is not shown.")
    seg_gt, seg_pred, label_colors, legend, legend_colors = _overlay(cfg, overlay, gt, pred, values)
    targets = data.jump_targets(gt, pred, values) if gt is not None else None
    if targets is not None:
        counts = data.outcome_counts(gt, pred, values)
        what = f"{model} vs ground truth" if pred is not None else "ground truth"
        st.caption(f"{what}, {label}: " + " · ".join(f"{k} {v:,}" for k, v in counts.items()) + " voxels")
    buttons = st.columns(len(JUMPS))
    for col, (kind, text) in zip(buttons, JUMPS):
        target = targets.get(kind) if targets else None
        needs_pred = kind != "centroid" and pred is None
        col.button(text, key=f"{KEY}.jump.{kind}", disabled=target is None or needs_pred,
                   on_click=_jump, args=(dataset, subject, target), width="stretch")
    start = targets["centroid"] if targets else tuple(s // 2 for s in shape)
    planes = (image, seg_gt, seg_pred, values, label_colors)
    _grid(dataset, subject, shape, spacing, planes, start, opacity, legend, legend_colors)


@st.fragment
def _grid(dataset, subject, shape, spacing, planes, start, opacity, legend, legend_colors) -> None:
    """The three planes (one ``st.html``) and their sliders in one horizontal container, a fragment of its own:
    5 elements per slider move (docs/dashboard.md, "Fewer elements per slider move")."""
    keys = [slider_key(dataset, subject, axis) for axis in range(3)]
    for axis, key in enumerate(keys):
        if key not in st.session_state or not 0 <= st.session_state[key] < shape[axis]:
            st.session_state[key] = int(start[axis])
    position = tuple(int(st.session_state[key]) for key in keys)
    try:  # a volume dropped from the cache is read again on a slider move
        figures = [images.plane_html(data.viewer_plane(*planes, shape, axis, position[axis], opacity, MAX_SIDE),
                                     axis=axis, position=position, shape=shape, spacing=spacing,
                                     legend=legend if axis == 0 else (), legend_colors=legend_colors)
                   for axis in range(3)]
        st.html(images.planes_row(figures))
    except (SubjectError, ValueError) as exc:
        st.warning(str(exc))
    row = st.container(horizontal=True, wrap=False, gap="small")  # one element, not st.columns' four
    for axis, key in enumerate(keys):
        row.slider(f"{images.PLANE_TITLES[axis]} slice", 0, shape[axis] - 1, key=key)
