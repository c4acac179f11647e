"""Model pages on the real data in ../shared (skipped when absent): worked numbers of analysis.md and
dashboard.md, and the error matrix of the NIfTI samples against the reference's own matrices."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from test_app_models_pages import app, arr, figures, infos, metric_value, ok, widget, z_of

pytestmark = pytest.mark.shared

SITES = ("Duke", "Indiana", "Missouri", "UCSD", "UCSF")


@pytest.fixture(scope="module")
def bysite(shared_dir, tmp_path_factory):
    root = shared_dir / "data" / "brats2024_by_site"
    lines = ["features:"] + [f"  {s}: {root / 'features' / f'extracted_information_{s}.csv'}" for s in SITES]
    lines += ["metrics:"] + [f"  {s}: {root / 'metrics' / f'extracted_information_{s}.csv'}" for s in SITES]
    lines += ["labels: {BKG: 0, NETC: 1, SNFH: 2, ET: 3, RC: 4}"]
    cfg = tmp_path_factory.mktemp("bysite") / "app.yaml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


@pytest.fixture(scope="module")
def brats(shared_dir, tmp_path_factory):
    root = shared_dir / "data" / "brats"
    lines = ["raw_datasets:"]
    lines += [f"  {s}: {root / s / f'{s}_images'}" for s in ("BraTS2024_SSA", "BraTS2024_PED", "UCSF")]
    lines += ["predictions:"]
    for s, models in (("BraTS2024_SSA", ("SegResNet", "nnUnet")), ("BraTS2024_PED", ("SegResNet", "nnUnet")),
                      ("UCSF", ("SegResNet",))):
        lines.append(f"  {s}:")
        lines += [f"    {m}: {root / s / f'{s}_seg' / m}" for m in models]
    lines += ["labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}"]
    cfg = tmp_path_factory.mktemp("brats") / "app.yaml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


def rendered(markdown: str) -> str:
    """The text Markdown shows for ``markdown`` whose user strings were escaped (``ui.esc``: ``BraTS25\\_2``)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _pairwise(at, dataset, baseline, benchmark):
    widget(at.sidebar.selectbox, "Dataset").set_value(dataset).run()
    widget(at.sidebar.selectbox, "Baseline model").set_value(baseline).run()
    widget(at.sidebar.selectbox, "Benchmark model").set_value(benchmark).run()
    ok(at)


def test_pairwise_indiana_dice_both_rules(bysite, monkeypatch):
    at = app(bysite, monkeypatch, "pairwise")
    ok(at)
    assert any("older AUDIT version" in c.value for c in at.caption)
    _pairwise(at, "Indiana", "BraTS25_1", "BraTS25_2")
    at.checkbox(key="pairwise.test").check().run()
    ok(at)
    # analysis.md §3.4: diffs not normal (p 1.3e-05) -> Wilcoxon p 4.99e-07, r = -0.911, CI [-0.1165, -0.0478]
    assert metric_value(at, "n (pairs)") == "31"
    assert metric_value(at, "p-value").startswith("4.99")
    assert metric_value(at, "Rank-biserial r") == "-0.911"
    card = at.table[0].value
    assert card.loc["95 % bootstrap CI of the mean of d", "Value"] == "[-0.1165, -0.0478]"
    assert card.loc["Mean of d", "Value"].startswith("-0.0804")
    assert any("BraTS25_2 tends to be significantly lower than BraTS25_1 on the region mean" in rendered(m.value)
               for m in at.markdown)
    at.radio(key="pairwise.rule").set_value("AUDIT reference rule").run()
    ok(at)
    assert metric_value(at, "p-value").startswith("4.99")
    norm = [t.value for t in at.table if "value" in t.value.columns]
    assert [n["value"].iloc[4] for n in norm] == ["7.476e-05", "1.122e-02"]  # Shapiro p per sample
    assert any("p = 0.1076" in c.value for c in at.caption)  # Levene


def test_pairwise_duke_relative_improvements(bysite, monkeypatch):
    at = app(bysite, monkeypatch, "pairwise")
    _pairwise(at, "Duke", "BraTS25_3A", "BraTS25_3B")
    bar = figures(at)[0]["data"][0]
    got = dict(zip(bar["y"], np.round(arr(bar["x"]), 2)))
    assert got == {"ET": 0.84, "NETC": 1.30, "RC": 4.99, "SNFH": -1.04, "Average": 1.42}
    assert list(bar["text"]) == ["+0.84%", "+1.30%", "+4.99%", "-1.04%", "+1.42%"]


def test_pairwise_missouri_not_significant(bysite, monkeypatch):
    at = app(bysite, monkeypatch, "pairwise")
    _pairwise(at, "Missouri", "BraTS25_3A", "BraTS25_3B")
    at.checkbox(key="pairwise.test").check().run()
    at.radio(key="pairwise.rule").set_value("AUDIT reference rule").run()
    ok(at)
    assert metric_value(at, "p-value").startswith("5.15")
    assert any("No significant difference between BraTS25_3B and BraTS25_3A" in rendered(m.value)
               for m in at.markdown)


def test_multi_model_duke_friedman(bysite, monkeypatch):
    at = app(bysite, monkeypatch, "multi_model")
    ok(at)
    assert metric_value(at, "Friedman χ²") == "328.5646"
    assert metric_value(at, "Subjects used") == "474"
    ranks = [t.value for t in at.dataframe if "Mean rank" in t.value.columns][0]
    assert list(ranks["Model"]) == ["BraTS25_1", "BraTS25_3A", "BraTS25_3B", "BraTS25_2"]
    np.testing.assert_allclose(ranks["Mean rank"], [1.7173, 2.3101, 2.8565, 3.1160], atol=5e-5)
    assert any(c.value.startswith("Critical difference (α = 0.05): 0.2154") for c in at.caption)
    table = at.dataframe[0].value
    assert table.loc[table["Model"] == "BraTS25_1", "Dice"].iloc[0] == "0.852 ± 0.128"


def test_single_model_all_subjects_plotted(bysite, monkeypatch):
    at = app(bysite, monkeypatch, "single_model")
    ok(at)
    fig = figures(at)[0]
    traces = [t for t in fig["data"] if t["name"] in SITES]
    assert [t["type"] for t in traces] == ["scattergl"] * 5  # 1,467 points > 1,000: WebGL (spec §3)
    n = sum(len(arr(t["x"])) for t in traces)
    corr = at.dataframe[0].value
    assert n == corr["n"].sum() == 1467  # subjects with BraTS25_1 metrics and features


def test_longitudinal_bysite_has_no_longitudinal_ids(bysite, monkeypatch):
    at = app(bysite, monkeypatch, "longitudinal")
    ok(at)
    assert infos(at)[0].startswith("No longitudinal subjects in these datasets.")


@pytest.mark.parametrize("model", ["nnUnet", "SegResNet"])
def test_error_matrix_equals_reference(brats, shared_dir, monkeypatch, model):
    ref = pd.read_csv(shared_dir / "reference" / "error_matrix" / f"BraTS2024_SSA-00002-000_{model}.csv",
                      index_col=0)
    at = app(brats, monkeypatch, "error_matrix")
    widget(at.sidebar.selectbox, "Dataset").set_value("BraTS2024_SSA").run()
    widget(at.sidebar.selectbox, "Model").set_value(model).run()
    widget(at.sidebar.selectbox, "Subject").set_value("BraTS2024_SSA-00002-000").run()
    ok(at)
    tot = ref.to_numpy(float).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z_of(figures(at)[0]), 100 * ref.to_numpy(float) / tot, atol=1e-9)
    at.checkbox(key="error_matrix.normalize").uncheck().run()
    fig = figures(at)[0]
    assert list(fig["data"][0]["y"]) == list(ref.index) == ["BKG", "EDE", "ENH", "NEC"]
    np.testing.assert_array_equal(z_of(fig), ref.to_numpy(float))


def test_error_matrix_all_view_ucsf(brats, monkeypatch):
    at = app(brats, monkeypatch, "error_matrix")
    widget(at.sidebar.selectbox, "Dataset").set_value("UCSF").run()
    ok(at)
    assert widget(at.sidebar.selectbox, "Subject").value == "All"
    assert any("Subjects used: 2" in c.value for c in at.caption)
    z = z_of(figures(at)[0])
    np.testing.assert_allclose(z.sum(axis=1)[z.sum(axis=1) > 0], 100.0)
