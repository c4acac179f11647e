"""Config validation: every error kind, all problems at once in the exact format, aliases, defaults."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from auditapp.config import (
    REFERENCE_METRICS,
    Formats,
    Label,
    LesionWise,
    ParallelConfig,
    load_app_config,
    load_feature_config,
    load_metric_config,
)
from auditapp.errors import ConfigError, ConfigWarning


@pytest.fixture()
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder as current directory, with data folders; configs go in ./configs/."""
    for d in ("datasets/Duke", "datasets/UCSF", "seg/A", "seg/B"):
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / "configs").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cfg(name: str, text: str) -> str:
    """Write ``configs/<name>`` in the current directory; return the path as a user would type it."""
    Path("configs", name).write_text(textwrap.dedent(text))
    return f"configs/{name}"


FEATURE_OK = textwrap.dedent("""
    data_paths: {Duke: ../datasets/Duke, UCSF: ../datasets/UCSF}
    output_path: ../outputs/features
    sequences: [_t1, _t2, _t1ce, _flair]
    labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}
    """)
METRIC_OK = textwrap.dedent("""
    data_path: ../datasets/Duke
    model_predictions_paths: {A: ../seg/A, B: ../seg/B}
    output_path: ../outputs/metrics
    filename: Duke
    labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}
    """)


def problems_of(loader, path: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        loader(path)
    return info.value.problems


# ---------------------------------------------------------------------------- all at once, exact format
def test_feature_config_reports_every_problem_at_once_in_exact_format(proj: Path) -> None:
    path = cfg("feature_extraction.yaml", """
        data_paths: {Duke: ../datasets/Duke, Missing: ../datasets/Nope}
        output_path: ../outputs
        sequences: _t1
        labels: {BKG: 0, NETC: '1', SNFH: 2, ET: 2, WT: [0, 1, 2]}
        texture_crop_padding: "1"
        formats: .nrrd
        """)
    assert problems_of(load_feature_config, path) == [
        f"error: {path}: data_paths.Missing: folder not found: {proj}/datasets/Nope; expected an existing folder "
        f"(relative paths are resolved against the config file's folder {proj}/configs)",
        f"error: {path}: sequences: got the string '_t1'; expected a non-empty list of file-name suffixes such as "
        "[_t1, _t2, _t1ce, _flair]",
        f"error: {path}: labels.NETC: label values must be integers, got the string '1'; "
        "expected an integer: remove the quotes",
        f"error: {path}: labels.ET: value 2 is already used by label 'SNFH'; "
        "expected distinct values for scalar labels",
        f"error: {path}: labels.WT[0]: value 0 (the background) inside a list; "
        "expected only non-zero values in a composite label",
        f"error: {path}: texture_crop_padding: got the string '1'; "
        "expected an integer >= 0 (0 = reference 0.2.0, 1 = published CSVs) (remove the quotes)",
        f"error: {path}: formats: format '.nrrd' is not supported: only NIfTI (.nii/.nii.gz) is supported in this "
        "version; expected one of .nii.gz, .nii, nifti, auto",
    ]
    assert not (proj / "outputs").exists()


def test_metric_config_reports_every_problem_at_once(proj: Path) -> None:
    path = cfg("metric_extraction.yaml", """
        data_path: ../datasets/Duke
        model_predictions_paths: {A: ../seg/A, C: ../seg/C}
        labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}
        backend: pymia
        metrics: {dice: true, jacc: true, jaccard: true, hd: true, sens: "yes"}
        nsd_tolerance: "0.5"
        output_path: ../outputs
        """)
    assert problems_of(load_metric_config, path) == [
        f"error: {path}: model_predictions_paths.C: folder not found: {proj}/seg/C; expected an existing folder "
        f"(relative paths are resolved against the config file's folder {proj}/configs)",
        f"error: {path}: backend: back end 'pymia' is not supported in this version; expected audit; the audit back "
        "end provides hd95, assd, nsd, volume_similarity and gt_size",
        f"error: {path}: metrics.jaccard: 'jaccard' and 'jacc' both name the metric 'jaccard'; "
        "expected each metric once",
        f"error: {path}: metrics.hd: unknown metric 'hd'; expected one of accuracy, assd, dice, gt_size, "
        "hausdorff_distance, hd95, jaccard, lesion_counts, lesion_dice, lesion_hd95, lesion_nsd, nsd, precision, "
        "predicted_size, sensitivity, specificity, volume_similarity (did you mean 'hd95'?)",
        f"error: {path}: metrics.sens: got the string 'yes'; expected true or false",
        f"error: {path}: nsd_tolerance: got the string '0.5'; expected a number > 0 (millimetres) (remove the quotes)",
        f"error: {path}: filename: missing required key; expected a name without '/' or '\\\\': the output is "
        "extracted_information_<filename>.csv",
    ]


# ---------------------------------------------------------------------------- single error kinds
def test_missing_key_points_at_the_typo(proj: Path) -> None:
    path = cfg("f.yaml", """
        data_paths: {Duke: ../datasets/Duke}
        output_path: ../outputs
        sequences: [_t1]
        lables: {BKG: 0, ET: 3}
        """)
    with pytest.warns(ConfigWarning, match=r"^configs/f\.yaml: lables: unknown key 'lables', ignored; "
                                           r"did you mean 'labels'\?$"):
        problems = problems_of(load_feature_config, path)
    assert problems == [
        f"error: {path}: labels: missing required key; expected a mapping of label name -> value, e.g. "
        "{BKG: 0, ET: 3} (found the unknown key 'lables': a typo?)"
    ]


def test_wrong_types(proj: Path) -> None:
    path = cfg("f.yaml", """
        data_paths: [../datasets/Duke]
        output_path: {a: 1}
        sequences: [_t1, 3]
        labels: {BKG: 0, ET: 3.5, TC: true, WT: [], NEG: -1}
        features: {statistical: 1}
        cpu_cores: 2
        logger: loud
        parallel: dask-cluster
        """)
    assert problems_of(load_feature_config, path) == [
        f"error: {path}: data_paths: got a list ['../datasets/Duke']; expected a mapping of dataset name -> folder "
        "of subjects",
        f"error: {path}: output_path: got a mapping; expected a path (text)",
        f"error: {path}: sequences[1]: got the number 3; expected a non-empty text value",
        f"error: {path}: labels.ET: got the number 3.5; expected an integer label value or a non-empty list of "
        "integers",
        f"error: {path}: labels.TC: got the boolean true; expected an integer label value or a non-empty list of "
        "integers",
        f"error: {path}: labels.WT: empty list; expected a non-empty list of integer label values",
        f"error: {path}: labels.NEG: got -1; expected an integer label value or a non-empty list of integers",
        f"error: {path}: features.statistical: got the number 1; expected true or false",
        f"error: {path}: logger: got the string 'loud'; expected a log level: DEBUG, INFO, SUCCESS, WARNING or ERROR",
        f"error: {path}: parallel: got the string 'dask-cluster'; expected a mapping "
        "{backend: loky | dask, scheduler: 'tcp://host:port'}",
    ]


def test_label_rules(proj: Path) -> None:
    path = cfg("f.yaml", FEATURE_OK.replace(
        "labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}",
        "labels: {background: 0, ET: 3.0, TC: [1, 3], WT: [1, 2, 3], NEC: 2}"))
    config = load_feature_config(path)
    assert config.labels == (
        Label("background", (0,)), Label("ET", (3,)), Label("TC", (1, 3), composite=True),
        Label("WT", (1, 2, 3), composite=True), Label("NEC", (2,)),
    )
    assert config.labels[0].is_background and config.labels[0].key == "whole"
    path = cfg("g.yaml", FEATURE_OK.replace(
        "labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}", "labels: {BKG: 0, bkg: 0, ET: '3x', TC: [1, 1]}"))
    assert problems_of(load_feature_config, path) == [
        f"error: {path}: labels.bkg: label name 'bkg' differs from 'BKG' only by case; expected label names that "
        "differ ignoring case (they become column names)",
        f"error: {path}: labels.bkg: the background value 0 is already used by label 'BKG'; expected distinct "
        "values for scalar labels",
        f"error: {path}: labels.ET: label values must be integers, got the string '3x'; expected an integer label "
        "value or a non-empty list of integers",
        f"error: {path}: labels.TC[1]: value 1 repeated; expected distinct values in the list",
    ]


def test_string_where_a_number_is_expected_quotes_the_value(proj: Path) -> None:
    path = cfg("m.yaml", METRIC_OK + "nsd_tolerance: two\n")
    assert problems_of(load_metric_config, path) == [
        f"error: {path}: nsd_tolerance: got the string 'two'; expected a number > 0 (millimetres)"
    ]
    path = cfg("n.yaml", METRIC_OK + "nsd_tolerance: -1\n")
    assert problems_of(load_metric_config, path) == [
        f"error: {path}: nsd_tolerance: got -1; expected a number > 0 (millimetres)"
    ]


def test_out_of_scope_values(proj: Path) -> None:
    path = cfg("m.yaml", METRIC_OK + "modality: US\nbackend: metricsreloaded\nformats: {segmentation: dicom}\n")
    assert problems_of(load_metric_config, path) == [
        f"error: {path}: modality: the ultrasound modality 'US' is not supported in this version; expected MRI (the "
        "only modality of this version)",
        f"error: {path}: backend: back end 'metricsreloaded' is not supported in this version; expected audit; the "
        "audit back end provides hd95, assd, nsd, volume_similarity and gt_size",
        f"error: {path}: formats.segmentation: format 'dicom' is not supported: only NIfTI (.nii/.nii.gz) is "
        "supported in this version; expected one of .nii.gz, .nii, nifti, auto",
    ]


def test_backend_alias_package_and_case(proj: Path) -> None:
    path = cfg("m.yaml", METRIC_OK + "package: Audit\n")
    assert load_metric_config(path).backend == "audit"
    path = cfg("n.yaml", METRIC_OK + "package: audit\nbackend: AUDIT\n")
    assert load_metric_config(path).backend == "audit"
    path = cfg("o.yaml", METRIC_OK + "package: audit\nbackend: pymia\n")
    assert problems_of(load_metric_config, path)[0] == (  # problems follow the order of the keys in the file
        f"error: {path}: package: 'audit' conflicts with backend: 'pymia' (the same setting); "
        "expected only one of them, or the same value")
    path = cfg("p.yaml", METRIC_OK + "backend: audits\n")
    assert problems_of(load_metric_config, path) == [
        f"error: {path}: backend: got the string 'audits'; expected audit; the audit back end provides hd95, assd, "
        "nsd, volume_similarity and gt_size (did you mean 'audit'?)"]


def test_metric_names_aliases_defaults_and_all_false(proj: Path) -> None:
    assert load_metric_config(cfg("m.yaml", METRIC_OK)).metrics == REFERENCE_METRICS
    path = cfg("n.yaml", METRIC_OK + "metrics: {DICE: true, haus: true, hd95: true, nsd: false, size: false}\n")
    assert load_metric_config(path).metrics == ("dice", "hausdorff_distance", "hd95")
    path = cfg("o.yaml", METRIC_OK + "metrics: {dice: false, jacc: false}\n")
    with pytest.warns(ConfigWarning, match=r"metrics: every metric is false: the CSV will have only ID, region"):
        assert load_metric_config(path).metrics == ()
    path = cfg("p.yaml", METRIC_OK + "metrics: {dsc: true, hd_perc: true}\n")
    problems = problems_of(load_metric_config, path)
    assert problems[0].endswith("(did you mean 'dice'?)") and problems[1].endswith("(did you mean 'hd95'?)")


def test_alias_conflict_texture_crop_padding(proj: Path) -> None:
    path = cfg("f.yaml", FEATURE_OK + "texture_crop_padding: 0\ntexture: {crop_padding: 1}\n")
    assert problems_of(load_feature_config, path) == [
        f"error: {path}: texture.crop_padding: 1 conflicts with texture_crop_padding: 0 (the same setting); "
        "expected only one of them, or the same value"
    ]
    assert load_feature_config(cfg("g.yaml", FEATURE_OK + "texture: {crop_padding: 1}\n")).texture_crop_padding == 1
    path = cfg("h.yaml", FEATURE_OK + "texture_crop_padding: 1\ntexture: {crop_padding: 1.0}\n")
    assert load_feature_config(path).texture_crop_padding == 1


def test_formats_string_mapping_and_legacy_keys(proj: Path) -> None:
    assert load_feature_config(cfg("a.yaml", FEATURE_OK)).formats == Formats()
    config = load_metric_config(cfg("b.yaml", METRIC_OK + "formats: .nii\n"))
    assert config.formats == Formats(image=(".nii", ".nii.gz"), segmentation=(".nii", ".nii.gz"),
                                     prediction=(".nii", ".nii.gz"))
    config = load_metric_config(cfg("c.yaml", METRIC_OK + "formats: {segmentation: .nii}\n"))
    assert config.formats.prediction == (".nii", ".nii.gz")  # prediction falls back to segmentation
    config = load_metric_config(cfg("d.yaml", METRIC_OK + "segmentation_format: NIfTI\nprediction_format: .nii\n"))
    assert config.formats.segmentation == (".nii.gz", ".nii") and config.formats.prediction == (".nii", ".nii.gz")
    path = cfg("e.yaml", METRIC_OK + "formats: {prediction: .nii.gz}\nprediction_format: .nii\n")
    assert problems_of(load_metric_config, path) == [
        f"error: {path}: prediction_format: '.nii' conflicts with formats.prediction: '.nii.gz' (the same setting); "
        "expected only one of them, or the same value"]
    path = cfg("f.yaml", METRIC_OK + "formats: {image: .nii.gz, segmentaton: .nii}\n")
    with pytest.warns(ConfigWarning, match=r"formats\.segmentaton: unknown key .* did you mean 'segmentation'\?"):
        load_metric_config(path)


def test_cpu_cores_defaults(proj: Path) -> None:
    all_cores = os.cpu_count() or 1
    for text, expected in [("", all_cores), ("cpu_cores:\n", all_cores), ("cpu_cores: None\n", all_cores),
                           ("cpu_cores: 0\n", all_cores), ("cpu_cores: -3\n", all_cores), ("cpu_cores: 4\n", 4),
                           ("cpu_cores: 3.0\n", 3)]:
        assert load_feature_config(cfg("f.yaml", FEATURE_OK + text)).cpu_cores == expected, text
    for text in ("cpu_cores: four\n", "cpu_cores: 1.5\n", "cpu_cores: true\n"):
        with pytest.warns(ConfigWarning, match=rf"cpu_cores: got .*, not an integer; using all {all_cores} cores"):
            assert load_feature_config(cfg("f.yaml", FEATURE_OK + text)).cpu_cores == all_cores


def test_parallel_and_logger(proj: Path) -> None:
    config = load_metric_config(cfg("m.yaml", METRIC_OK + "parallel: {backend: Dask, scheduler: 'tcp://h:8786'}\n"
                                    "logger: info\n"))
    assert config.parallel == ParallelConfig(backend="dask", scheduler="tcp://h:8786")
    assert config.logger == "INFO"
    with pytest.warns(ConfigWarning, match=r"parallel\.scheduler: ignored: a scheduler is used only with backend"):
        config = load_metric_config(cfg("n.yaml", METRIC_OK + "parallel: {scheduler: 'tcp://h:1'}\n"))
    assert config.parallel == ParallelConfig()


def test_ignored_reference_keys_warn_once(proj: Path) -> None:
    load_feature_config(cfg("f.yaml", FEATURE_OK + "preprocessing: {}\nreader_options: {}\n"))  # empty: silent
    with pytest.warns(ConfigWarning, match=r"^configs/g\.yaml: preprocessing: ignored: preprocessing is a no-op"):
        load_feature_config(cfg("g.yaml", FEATURE_OK + "preprocessing: {normalize: true}\n"))
    with pytest.warns(ConfigWarning,
                      match=r"^configs/m\.yaml: calculate_stats: ignored: it only applied to the pymia back end"):
        load_metric_config(cfg("m.yaml", METRIC_OK + "calculate_stats: true\n"))
    path = cfg("h.yaml", FEATURE_OK + "reader_options: 3\n")
    assert problems_of(load_feature_config, path) == [
        f"error: {path}: reader_options: got the number 3; expected a mapping (it is ignored anyway)"]


def test_feature_families_sequences_and_names(proj: Path) -> None:
    config = load_feature_config(cfg("f.yaml", FEATURE_OK + "features: {statistical: true, texture: false}\n"))
    assert (config.features.statistical, config.features.texture, config.features.spatial,
            config.features.tumor) == (True, False, False, False)
    with pytest.warns(ConfigWarning, match=r"features\.tumour: unknown key 'tumour', ignored; did you mean 'tumor'"):
        load_feature_config(cfg("g.yaml", FEATURE_OK + "features: {tumour: true}\n"))
    with pytest.warns(ConfigWarning, match=r"features\.glcm: unknown key 'glcm', ignored; known keys here: "
                                           r"statistical, texture, spatial, tumor$"):
        load_feature_config(cfg("g.yaml", FEATURE_OK + "features: {glcm: true}\n"))
    with pytest.warns(ConfigWarning, match=r"sequences\[0\]: 't1' has no leading '_'"):
        load_feature_config(cfg("h.yaml", FEATURE_OK.replace("[_t1,", "[t1,")))
    path = cfg("i.yaml", FEATURE_OK.replace("[_t1, _t2, _t1ce, _flair]", "[_t1ce, _t1_ce, _t2, _t2]")
               .replace("UCSF:", "a/b:") + "data_paths_extra: 1\n")
    with pytest.warns(ConfigWarning, match="data_paths_extra: unknown key"):
        assert problems_of(load_feature_config, path) == [
            f"error: {path}: data_paths.a/b: got the string 'a/b'; expected a dataset name without '/' or '\\\\'",
            f"error: {path}: sequences[1]: '_t1_ce' and '_t1ce' give the same column key 't1ce'; expected sequences "
            "whose names differ once '_' is removed",
            f"error: {path}: sequences[3]: '_t2' is listed twice; expected each sequence once",
        ]
    path = cfg("j.yaml", FEATURE_OK.replace("data_paths: {Duke: ../datasets/Duke, UCSF: ../datasets/UCSF}",
                                            "data_paths: {}"))
    assert problems_of(load_feature_config, path) == [
        f"error: {path}: data_paths: empty mapping; expected a mapping of dataset name -> folder of subjects"]


def test_longitudinal_and_metadata(proj: Path) -> None:
    (proj / "meta.csv").write_text("ID,age\n")
    text = FEATURE_OK + textwrap.dedent("""
        longitudinal:
          Duke: {pattern: "-week-", longitudinal_id: 0, time_point: 1.0}
          UCSF: {pattern: _}
        metadata:
          Duke: {clinical: ../meta.csv, other: {path: ../missing.xlsx, id_column: PID, sheet: Sheet1}}
        """)
    with pytest.warns(ConfigWarning) as record:
        config = load_feature_config(cfg("f.yaml", text))
    messages = [str(w.message) for w in record]
    assert messages == [
        "configs/f.yaml: longitudinal.UCSF: missing longitudinal_id, time_point; no longitudinal split for this "
        "dataset (longitudinal_id empty, time_point 0)",
        f"configs/f.yaml: metadata.Duke.other.path: file not found: {proj}/missing.xlsx; expected an existing file "
        f"(relative paths are resolved against the config file's folder {proj}/configs)",
    ]
    assert set(config.longitudinal) == {"Duke"}
    assert (config.longitudinal["Duke"].pattern, config.longitudinal["Duke"].longitudinal_id,
            config.longitudinal["Duke"].time_point) == ("-week-", 0, 1)
    (source,) = config.metadata["Duke"]
    assert (source.name, source.path, source.id_column, source.sheet) == ("clinical", proj / "meta.csv", "ID", 0)
    path = cfg("g.yaml", FEATURE_OK + "metadata: {Duke: {m: ../meta.json}}\n")
    assert problems_of(load_feature_config, path) == [
        f"error: {path}: metadata.Duke.m: 'meta.json' is not a .csv, .tsv, .xlsx or .xls file; expected a metadata "
        "file with one of those extensions"]


# ---------------------------------------------------------------------------- app.yaml
def test_app_missing_files_are_warnings_not_errors(proj: Path) -> None:
    (proj / "outputs").mkdir()
    (proj / "outputs" / "extracted_information_Duke.csv").write_text("ID\n")
    (proj / "outputs" / "error_matrix_Duke.csv").write_text("x\n")
    path = cfg("app.yaml", """
        datasets_path: ../datasets
        features_path: ../outputs
        features:
          Duke: ${features_path}/extracted_information_Duke.csv
          UCSF: ${features_path}/extracted_information_UCSF.csv
        metrics:
          Duke: ${features_path}/extracted_information_Duke.csv
        predictions:
          Duke: {A: ../seg/A, Z: ../seg/Z}
        viewer: {itksnap: ./bin/itksnap, prediction_layer: Segmentation}
        label_colors: {ET: "#FF0000", BKG: [0, 0, 0]}
        labels: {BKG: 0, ET: 3}
        """)
    config = load_app_config(path)
    assert config.features == {"Duke": proj / "outputs" / "extracted_information_Duke.csv",
                               "UCSF": proj / "outputs" / "extracted_information_UCSF.csv"}
    assert config.error_matrices == {"Duke": proj / "outputs" / "error_matrix_Duke.csv"}  # found next to metrics
    assert config.predictions == {"Duke": {"A": proj / "seg" / "A", "Z": proj / "seg" / "Z"}}
    assert config.datasets_path == proj / "datasets"
    assert config.viewer.itksnap == str(proj / "configs" / "bin" / "itksnap")
    assert config.viewer.prediction_layer == "segmentation"
    assert config.label_colors == {"ET": (255, 0, 0), "BKG": (0, 0, 0)}
    assert config.sequences is None and config.source == proj / "configs" / "app.yaml"
    assert config.warnings == (
        f"{path}: features.UCSF: file not found: {proj}/outputs/extracted_information_UCSF.csv; expected an "
        f"existing file (relative paths are resolved against the config file's folder {proj}/configs)",
        f"{path}: predictions.Duke.Z: folder not found: {proj}/seg/Z; expected an existing folder (relative paths "
        f"are resolved against the config file's folder {proj}/configs)",
    )


def test_app_structural_problems_are_errors(proj: Path) -> None:
    path = cfg("app.yaml", """
        features: [a.csv]
        predictions: {Duke: ../seg/A}
        labels: {BKG: 0, ET: "3"}
        sequences: []
        label_colors: {ET: red}
        metadata: {id_column: ID, id_rewrite: [[BraTS-GLI]]}
        viewer: {prediction_layer: blend}
        modality: CT
        """)
    assert problems_of(load_app_config, path) == [
        f"error: {path}: features: got a list ['a.csv']; expected a mapping of dataset name -> feature CSV "
        "(extracted_information_<dataset>.csv)",
        f"error: {path}: predictions.Duke: got the string '../seg/A'; expected a mapping of model name -> folder of "
        "predictions",
        f"error: {path}: labels.ET: label values must be integers, got the string '3'; expected an integer: "
        "remove the quotes",
        f"error: {path}: sequences: empty list; expected a non-empty list of file-name suffixes such as "
        "[_t1, _t2, _t1ce, _flair]",
        f"error: {path}: label_colors.ET: got the string 'red'; expected '#rrggbb' or [r, g, b] with values 0-255",
        f"error: {path}: metadata.file: missing required key; expected the metadata spreadsheet "
        "(.csv, .tsv, .xlsx, .xls)",
        f"error: {path}: metadata.id_rewrite[0]: got a list ['BraTS-GLI']; expected a pair [old, new] of texts "
        "(old not empty)",
        f"error: {path}: viewer.prediction_layer: got the string 'blend'; expected overlay or segmentation",
        f"error: {path}: modality: got the string 'CT'; expected MRI (the only modality of this version)",
    ]


def test_app_metadata_list_form(proj: Path) -> None:
    (proj / "meta.xlsx").write_bytes(b"")
    path = cfg("app.yaml", """
        project_root: ..
        metadata:
          - file: ${project_root}/meta.xlsx
            id_column: BraTS Subject ID
            id_rewrite: [["BraTS-GLI", "{Site}"], ["-", "_"]]
            columns: [Site, "Patient's Age"]
          - {file: ../other.csv}
        """)
    config = load_app_config(path)
    first, second = config.metadata
    assert (first.file, first.id_column, first.id_rewrite, first.columns, first.sheet) == (
        proj / "meta.xlsx", "BraTS Subject ID", (("BraTS-GLI", "{Site}"), ("-", "_")), ("Site", "Patient's Age"), 0)
    assert second.file == proj / "other.csv" and second.columns is None
    assert config.warnings == (f"{path}: metadata[1].file: file not found: {proj}/other.csv; expected an existing "
                               f"file (relative paths are resolved against the config file's folder {proj}/configs)",)


def test_lesion_wise_block_and_metric_names(proj: Path) -> None:
    config = load_metric_config(cfg("m.yaml", METRIC_OK))  # old configs: no block, the defaults
    assert config.lesion_wise == LesionWise() and config.lesion_wise.convention == "brats2023"
    path = cfg("n.yaml", METRIC_OK + textwrap.dedent("""
        metrics: {dice: true, lesion_dice: true, lesion_hd95: true, lesion_counts: true, lesion_nsd: false}
        lesion_wise: {convention: BraTS2024, task: gli, dilation: 2, min_size: {ET: 5, "*": 30},
                      hd95_convention: pooled, per_lesion_table: true}
        """))
    config = load_metric_config(path)
    assert config.metrics == ("dice", "lesion_dice", "lesion_hd95", "lesion_counts")
    options = config.lesion_wise
    assert (options.convention, options.task, options.dilation, options.min_size, options.penalty_hd95,
            options.hd95_convention, options.per_lesion_table) == (
        "brats2024", "GLI", 2, {"ET": 5.0, "*": 30.0}, None, "pooled", True)
    rules = options.rules([Label("ET", (3,)), Label("WT", (1, 2, 3), composite=True)])
    assert (rules["ET"].min_size, rules["WT"].min_size, rules["ET"].dilation) == (5.0, 30.0, 2)
    assert rules["ET"].penalty_hd95 == 337.0  # not given: the brats2024 GLI default, from lesion_rule
    assert options.join_tissues is None and rules["ET"].join_with == ("NETC", "RC") and rules["WT"].join_with == ()
    off = load_metric_config(cfg("o.yaml", METRIC_OK + "lesion_wise: {convention: brats2024, join_tissues: false}\n"))
    assert off.lesion_wise.join_tissues is False
    assert off.lesion_wise.rules([Label("ET", (3,))])["ET"].join_with == ()


def test_bad_lesion_wise_options_are_config_errors(proj: Path) -> None:
    path = cfg("m.yaml", METRIC_OK + textwrap.dedent("""
        metrics: {gt_lesions: true}
        lesion_wise: {convention: brats2025, dilation: -1, min_size: {ET: big}, penalty_hd95: "374",
                      connectivity: 8, match_threshold: 1.5, per_lesion_table: 1, join_tissues: yes please,
                      dilatation: 3}
        """))
    with pytest.warns(ConfigWarning, match=r"lesion_wise.dilatation: unknown key 'dilatation', ignored"):
        problems = problems_of(load_metric_config, path)
    assert problems == [
        f"error: {path}: metrics.gt_lesions: unknown metric 'gt_lesions'; expected one of accuracy, assd, dice, "
        "gt_size, hausdorff_distance, hd95, jaccard, lesion_counts, lesion_dice, lesion_hd95, lesion_nsd, nsd, "
        "precision, predicted_size, sensitivity, specificity, volume_similarity (did you mean 'lesion_counts'?)",
        f"error: {path}: lesion_wise.convention: got the string 'brats2025'; expected brats2023, brats2024 or "
        "matching (did you mean 'brats2024'?)",
        f"error: {path}: lesion_wise.dilation: got -1; expected the number of dilation iterations (integer >= 0)",
        f"error: {path}: lesion_wise.min_size.ET: got the string 'big'; expected a number of mm3 >= 0, or a mapping "
        "region name -> mm3 (\"*\": the other regions)",
        f"error: {path}: lesion_wise.penalty_hd95: got the string '374'; expected a number of mm >= 0 (remove the "
        "quotes)",
        f"error: {path}: lesion_wise.connectivity: got the number 8; expected 6, 18 or 26",
        f"error: {path}: lesion_wise.match_threshold: got 1.5; expected a number in [0, 1)",
        f"error: {path}: lesion_wise.per_lesion_table: got the number 1; expected true or false",
        f"error: {path}: lesion_wise.join_tissues: got the string 'yes please'; expected true or false",
    ]
