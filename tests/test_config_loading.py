"""Config loading: OmegaConf interpolation, path resolution, the CWD hint, YAML errors, default lookup."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from auditapp.config import (
    load_app_config,
    load_feature_config,
    load_metric_config,
    resolve_config_path,
)
from auditapp.errors import ConfigError, ConfigWarning

LABELS = "labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for d in ("datasets/Duke/Duke_images", "datasets/UCSF/UCSF_images", "seg/A", "seg/B"):
        (tmp_path / d).mkdir(parents=True)
    return tmp_path


# ---------------------------------------------------------------------------- interpolation
def test_nested_and_chained_interpolation(project: Path) -> None:
    cfg = write(project / "configs", "f.yaml", f"""
        root: {project}
        paths:
          data: ${{root}}/datasets
        duke: ${{paths.data}}/Duke
        data_paths:
          Duke: ${{duke}}/Duke_images
          UCSF: "${{paths.data}}/UCSF/UCSF_images"
        output_path: ${{root}}/out
        sequences: [_t1]
        {LABELS}""")
    # `paths` and `duke` are referenced by interpolations: variables, not unknown keys (no warning).
    config = load_feature_config(cfg)
    assert config.data_paths == {
        "Duke": project / "datasets" / "Duke" / "Duke_images",
        "UCSF": project / "datasets" / "UCSF" / "UCSF_images",
    }
    assert config.output_path == project / "out"
    assert config.logs_path == project / "out" / "logs"
    assert config.resolved["data_paths"]["Duke"] == str(project / "datasets" / "Duke" / "Duke_images")


def test_interpolation_inside_lists_and_non_string_values(project: Path) -> None:
    (project / "datasets" / "Duke" / "Duke_images" / "5").mkdir()
    cfg = write(project / "configs", "f.yaml", f"""
        suffix: _t1
        n: 5
        data_paths: {{Duke: "{project}/datasets/Duke/Duke_images/${{n}}"}}
        output_path: {project}/out
        sequences:
          - ${{suffix}}
          - ${{suffix}}ce
          - _flair
        {LABELS}""")
    config = load_feature_config(cfg)
    assert config.sequences == ("_t1", "_t1ce", "_flair")
    assert config.data_paths["Duke"] == project / "datasets" / "Duke" / "Duke_images" / "5"


def test_env_interpolation_with_and_without_default(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITAPP_TEST_ROOT", str(project))
    monkeypatch.delenv("AUDITAPP_TEST_UNSET", raising=False)
    cfg = write(project / "configs", "f.yaml", f"""
        data_paths: {{Duke: "${{oc.env:AUDITAPP_TEST_ROOT}}/datasets/Duke/Duke_images"}}
        output_path: ${{oc.env:AUDITAPP_TEST_UNSET,{project}/default_out}}
        sequences: [_t1]
        {LABELS}""")
    config = load_feature_config(cfg)
    assert config.data_paths["Duke"] == project / "datasets" / "Duke" / "Duke_images"
    assert config.output_path == project / "default_out"


def test_unset_env_variable_is_an_error_naming_the_key(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDITAPP_TEST_UNSET", raising=False)
    cfg = write(project / "configs", "f.yaml", f"""
        data_paths: {{Duke: {project}/datasets/Duke/Duke_images}}
        output_path: ${{oc.env:AUDITAPP_TEST_UNSET}}/out
        sequences: [_t1]
        {LABELS}""")
    with pytest.raises(ConfigError) as info:
        load_feature_config(cfg)
    assert info.value.problems == [
        f"error: {cfg}: output_path: environment variable 'AUDITAPP_TEST_UNSET' is not set in "
        "'${oc.env:AUDITAPP_TEST_UNSET}/out'; set it, or give a default: ${oc.env:AUDITAPP_TEST_UNSET,default}"
    ]


def test_unknown_interpolation_name_is_an_error_with_suggestion(project: Path) -> None:
    cfg = write(project / "configs", "f.yaml", f"""
        datasets_path: {project}/datasets
        data_paths:
          Duke: ${{datasets_path}}/Duke/Duke_images
          UCSF: ${{datasets_pth}}/UCSF/UCSF_images
        output_path: {project}/out
        sequences: [_t1]
        {LABELS}""")
    with pytest.raises(ConfigError) as info:
        load_feature_config(cfg)
    # only this problem: the failed key is not reported a second time as missing or empty
    assert info.value.problems == [
        f"error: {cfg}: data_paths.UCSF: unknown interpolation name 'datasets_pth' in "
        "'${datasets_pth}/UCSF/UCSF_images'; expected a key defined in this file (${key} or ${a.b}) "
        "or ${oc.env:VAR} (did you mean 'datasets_path'?)"
    ]


def test_invalid_interpolation_syntax_reported_with_other_problems(project: Path) -> None:
    cfg = write(project / "configs", "f.yaml", f"""
        data_paths: {{Duke: "${{root"}}
        output_path: {project}/out
        sequences: [_t1]
        labels: {{BKG: 0, ET: "3"}}
        """)
    with pytest.raises(ConfigError) as info:
        load_feature_config(cfg)
    assert len(info.value.problems) == 2
    assert info.value.problems[0].startswith(
        f"error: {cfg}: data_paths.Duke: invalid interpolation syntax in '${{root'")
    assert info.value.problems[1].startswith(f"error: {cfg}: labels.ET: label values must be integers")


def test_escaped_interpolation_is_literal(project: Path) -> None:
    (project / "datasets" / "${odd}").mkdir()
    cfg = write(project / "configs", "f.yaml", f"""
        data_paths: {{Odd: '{project}/datasets/\\${{odd}}'}}
        output_path: {project}/out
        sequences: [_t1]
        {LABELS}""")
    assert load_feature_config(cfg).data_paths["Odd"] == project / "datasets" / "${odd}"


def test_unreferenced_top_level_scalar_is_an_unknown_key(project: Path) -> None:
    cfg = write(project / "configs", "f.yaml", f"""
        project_root: ..
        data_paths: {{Duke: ../datasets/Duke/Duke_images}}
        output_path: ../out
        sequences: [_t1]
        {LABELS}""")
    with pytest.warns(ConfigWarning, match=r"project_root: unknown key 'project_root', ignored; "
                                           r"not a key of this kind of config \(docs/config\.md lists them\)$"):
        load_feature_config(cfg)


# ---------------------------------------------------------------------------- paths
def test_relative_paths_resolve_against_the_config_folder(project: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("cwd")
    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        cfg = write(project / "configs", "m.yaml", f"""
            project_root: ..
            data_path: ${{project_root}}/datasets/Duke/Duke_images/
            model_predictions_paths: {{A: ../seg/A, B: ./../seg/B}}
            output_path: outputs/metrics
            logs_path: ~/auditapp_logs
            filename: Duke
            {LABELS}""")
        config = load_metric_config(cfg)
    finally:
        os.chdir(cwd)
    assert config.data_path == project / "datasets" / "Duke" / "Duke_images"
    assert config.model_predictions_paths == {"A": project / "seg" / "A", "B": project / "seg" / "B"}
    assert config.output_path == project / "configs" / "outputs" / "metrics"
    assert config.logs_path == Path(os.path.expanduser("~")) / "auditapp_logs"
    assert not (project / "configs" / "outputs").exists()  # validation never creates folders


def test_cwd_hint_when_path_exists_relative_to_current_directory(project: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    write(project / "configs", "f.yaml", f"""
        data_paths: {{Duke: ./datasets/Duke/Duke_images}}
        output_path: ./outputs
        sequences: [_t1]
        {LABELS}""")
    with pytest.raises(ConfigError) as info:
        load_feature_config("configs/f.yaml")
    assert info.value.problems == [
        f"error: configs/f.yaml: data_paths.Duke: folder not found: "
        f"{project}/configs/datasets/Duke/Duke_images; expected an existing folder (relative paths are resolved "
        f"against the config file's folder {project}/configs); './datasets/Duke/Duke_images' exists relative to "
        f"the current directory {project}: write '../datasets/Duke/Duke_images' or an absolute path"
    ]


def test_missing_path_without_hint(project: Path) -> None:
    cfg = write(project / "configs", "m.yaml", f"""
        data_path: {project}/nowhere
        model_predictions_paths: {{A: {project}/seg/A}}
        output_path: {project}/out
        filename: Duke
        {LABELS}""")
    with pytest.raises(ConfigError, match=r"data_path: folder not found: .*/nowhere; expected an existing folder$"):
        load_metric_config(cfg)


def test_path_to_a_file_where_a_folder_is_expected(project: Path) -> None:
    (project / "afile.txt").write_text("x")
    cfg = write(project / "configs", "m.yaml", f"""
        data_path: {project}/afile.txt
        model_predictions_paths: {{A: {project}/seg/A}}
        output_path: {project}/afile.txt
        filename: Duke
        {LABELS}""")
    with pytest.raises(ConfigError) as info:
        load_metric_config(cfg)
    assert info.value.problems == [
        f"error: {cfg}: data_path: {project}/afile.txt is not a folder; expected an existing folder",
        f"error: {cfg}: output_path: {project}/afile.txt exists and is not a folder; expected a folder path",
    ]


# ---------------------------------------------------------------------------- file-level errors
def test_invalid_yaml_is_one_clear_error(tmp_path: Path) -> None:
    cfg = write(tmp_path, "f.yaml", "output_path: /x\nlabels: [1, 2\nsequences: [_t1]\n")
    with pytest.raises(ConfigError) as info:
        load_feature_config(cfg)
    (line,) = info.value.problems  # the problem's wording is PyYAML's (C or Python parser)
    assert re.fullmatch(rf"error: {re.escape(str(cfg))}: \(file\): invalid YAML at line 3, column 10: .*expected "
                        r"',' or '\]'.*; expected a valid YAML mapping of keys", line)
    cfg = write(tmp_path, "g.yaml", "data_paths: {Duke: ${root}/Duke}\n")
    with pytest.raises(ConfigError, match=r"invalid YAML at line 1, column 21: .*expected ',' or '}'.*"
                                          r"; expected valid YAML: quote a value holding \$\{...\} inside"):
        load_feature_config(cfg)


def test_duplicate_yaml_keys_are_an_error(tmp_path: Path) -> None:
    cfg = write(tmp_path, "f.yaml", "output_path: /a\noutput_path: /b\n")
    with pytest.raises(ConfigError, match=r"invalid YAML at line 2, column 1: found duplicate key output_path"):
        load_feature_config(cfg)


def test_top_level_list_and_missing_file(tmp_path: Path) -> None:
    cfg = write(tmp_path, "f.yaml", "- a\n- b\n")
    with pytest.raises(ConfigError, match=r"\(file\): the file holds a list, not a mapping"):
        load_app_config(cfg)
    with pytest.raises(ConfigError, match=r"nope\.yaml: \(file\): config file not found; .*auditapp init"):
        load_app_config(tmp_path / "nope.yaml")


def test_empty_file_reports_every_required_key(tmp_path: Path) -> None:
    cfg = write(tmp_path, "m.yaml", "")
    with pytest.raises(ConfigError) as info:
        load_metric_config(cfg)
    keys = [line.split(": ")[2] for line in info.value.problems]
    assert keys == ["data_path", "model_predictions_paths", "output_path", "filename", "labels"]
    assert all(line.split(": ")[3].startswith("missing required key;") for line in info.value.problems)


# ---------------------------------------------------------------------------- default config lookup
def test_resolve_config_path_given_and_defaults(tmp_path: Path) -> None:
    given = write(tmp_path, "mine.yaml", "x: 1\n")
    assert resolve_config_path("feature_extraction", given) == given
    with pytest.raises(ConfigError, match=r"missing\.yaml: \(file\): config file not found; .*auditapp init"):
        resolve_config_path("feature_extraction", tmp_path / "missing.yaml")
    with pytest.raises(ConfigError) as info:
        resolve_config_path("metric_extraction", None, cwd=tmp_path)
    (line,) = info.value.problems
    assert line.startswith(f"error: {tmp_path}/configs/metric_extraction.yaml: (file): config file not found "
                           "(nor metric_extraction.yml)")
    assert "`auditapp init [DIR]`" in line and "`auditapp demo [DIR]`" in line
    yml = write(tmp_path / "configs", "metric_extraction.yml", "x: 1\n")
    assert resolve_config_path("metric_extraction", None, cwd=tmp_path) == yml
    yaml_ = write(tmp_path / "configs", "metric_extraction.yaml", "x: 1\n")
    assert resolve_config_path("metric-extraction", None, cwd=tmp_path) == yaml_  # .yaml wins over .yml


def test_resolve_config_path_relative_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "configs", "app.yaml", "features: {}\n")
    assert resolve_config_path("app", None) == Path("configs/app.yaml")
    with pytest.raises(ConfigError, match=r"^error: configs/feature_extraction\.yaml: \(file\)"):
        resolve_config_path("feature_extraction", None)
    with pytest.raises(ValueError, match="unknown config kind"):
        resolve_config_path("features", None)


def test_relative_interpolation_at_top_level(project: Path) -> None:
    cfg = write(project / "configs", "f.yaml", f"""
        base: {project}/datasets
        data_paths: {{Duke: "${{..base}}/Duke/Duke_images"}}
        output_path: ${{.base}}/../out
        sequences: [_t1]
        {LABELS}""")
    config = load_feature_config(cfg)  # `base` is a variable: no unknown-key warning
    assert config.data_paths["Duke"] == project / "datasets" / "Duke" / "Duke_images"
    assert config.output_path == project / "out"


def test_interpolation_error_inside_a_list_is_reported_once(project: Path) -> None:
    cfg = write(project / "configs", "f.yaml", f"""
        data_paths: {{Duke: {project}/datasets/Duke/Duke_images}}
        output_path: {project}/out
        sequences:
          - _t1
          - ${{flair}}
        labels: {{BKG: 0, TC: [1, "${{et}}"]}}
        """)
    with pytest.raises(ConfigError) as info:
        load_feature_config(cfg)
    assert [line.split(": ")[2] for line in info.value.problems] == ["sequences[1]", "labels.TC[1]"]
    assert all("unknown interpolation name" in line for line in info.value.problems)
