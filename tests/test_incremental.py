"""Incremental extraction: reuse, invalidation (file touched, config changed, version changed), removal,
--force, and resuming an interrupted run; outputs byte-identical to a full run."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import auditapp
from auditapp.cli import app, main
from auditapp.demo.synthetic import write_dataset

SHAPE = (16, 20, 20)


@pytest.fixture()
def project(tmp_path) -> Path:
    images = tmp_path / "data" / "S_images"
    write_dataset(images, site="S", n_subjects=4, shape=SHAPE, seed=11, pred_root=tmp_path / "data" / "S_seg")
    common = (f"output_path: {tmp_path / 'out'}\nlogs_path: {tmp_path / 'logs'}\n"
              "labels: {BKG: 0, NEC: 1, EDE: 2, ENH: 3}\ncpu_cores: 1\n")
    (tmp_path / "f.yaml").write_text(
        f"data_paths: {{S: {images}}}\nsequences: [_t1, _t2, _t1ce, _flair]\n"
        "features: {statistical: true, texture: false, spatial: true, tumor: true}\n" + common, encoding="utf-8")
    (tmp_path / "m.yaml").write_text(
        f"data_path: {images}\nmodel_predictions_paths: {{mA: {tmp_path / 'data' / 'S_seg' / 'modelA'}, "
        f"mB: {tmp_path / 'data' / 'S_seg' / 'modelB'}}}\nfilename: S\n" + common, encoding="utf-8")
    return tmp_path


COMMANDS = {"feature-extraction": "f.yaml", "metric-extraction": "m.yaml"}


def _run(project: Path, command: str, *extra: str) -> tuple[int, int, str]:
    """(reused, computed, log text) of one CLI run; asserts it succeeded."""
    for log in (project / "logs").glob("*.log"):
        log.unlink()
    result = CliRunner().invoke(app, [command, "--config", str(project / COMMANDS[command]), *extra])
    assert result.exit_code == 0, result.output
    (log,) = (project / "logs").glob("*.log")
    text = log.read_text(encoding="utf-8")
    match = re.search(r"(\d+) of (\d+) subjects reused from the previous run .*?, (\d+) to compute", text)
    assert match, text
    return int(match.group(1)), int(match.group(3)), text


def _outputs(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "out").glob("*.csv"))}


def _full_run_outputs(project: Path, command: str) -> dict[str, bytes]:
    _run(project, command, "--force")
    return _outputs(project)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_second_run_reuses_everything_byte_identical(project, command):
    assert _run(project, command)[:2] == (0, 4)
    first = _outputs(project)
    assert _run(project, command)[:2] == (4, 0)
    assert _outputs(project) == first
    stem = "extracted_information_S"
    manifest = json.loads((project / "out" / f"{stem}.manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["records"]) == ["S-001", "S-002", "S-003", "S-004"]
    assert manifest["version"] == auditapp.__version__
    assert not (project / "out" / f"{stem}.parts").exists()
    assert _run(project, command, "--force")[:2] == (0, 4)
    assert _outputs(project) == first


@pytest.mark.parametrize("command", list(COMMANDS))
def test_touched_file_new_and_removed_subjects(project, command):
    _run(project, command)
    seg = project / "data" / "S_images" / "S-002" / "S-002_seg.nii.gz"
    stat = seg.stat()
    os.utime(seg, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched: same bytes
    removed = project / "data" / "S_images" / "S-004"
    for f in removed.iterdir():
        f.unlink()
    removed.rmdir()
    assert _run(project, command)[:2] == (2, 1)  # S-001, S-003 reused; S-002 recomputed; S-004 gone
    incremental = _outputs(project)
    assert b"S-004" not in incremental["extracted_information_S.csv"]
    assert _full_run_outputs(project, command) == incremental


@pytest.mark.parametrize("command", list(COMMANDS))
def test_config_change_invalidates(project, command):
    _run(project, command)
    config = project / COMMANDS[command]
    config.write_text(config.read_text(encoding="utf-8").replace("ENH: 3", "ET: 3"), encoding="utf-8")
    reused, computed, _ = _run(project, command)
    assert (reused, computed) == (0, 4)
    incremental = _outputs(project)
    assert _full_run_outputs(project, command) == incremental


def test_output_only_settings_do_not_invalidate(project):
    # the logger level changes nothing a subject computes: everything is reused
    _run(project, "feature-extraction")
    config = project / "f.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "logger: INFO\n", encoding="utf-8")
    assert _run(project, "feature-extraction")[:2] == (4, 0)


def test_new_auditapp_version_invalidates(project, monkeypatch):
    _run(project, "metric-extraction")
    monkeypatch.setattr(auditapp, "__version__", auditapp.__version__ + "+next")
    assert _run(project, "metric-extraction")[:2] == (0, 4)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_interrupted_run_resumes_from_finished_subjects(project, command, monkeypatch):
    import auditapp.pipelines.incremental as incremental

    expected = _full_run_outputs(project, command)
    for path in (project / "out").iterdir():
        path.unlink()
    monkeypatch.setattr(incremental, "CHUNK_SIZE", 2)  # progress parts of 2 subjects

    from auditapp.cli import progress as cli_progress

    original = cli_progress.ProgressPrinter.__call__
    seen = []

    def interrupt_after_three(self, name, done, total, current):
        if current:
            seen.append(current)
        if len(seen) == 3:
            raise KeyboardInterrupt  # what Ctrl-C raises in the parent
        return original(self, name, done, total, current)

    monkeypatch.setattr(cli_progress.ProgressPrinter, "__call__", interrupt_after_three)
    with pytest.raises(SystemExit) as info:
        main([command, "--config", str(project / COMMANDS[command])])
    assert info.value.code == 130
    stem = "extracted_information_S"
    assert not (project / "out" / f"{stem}.csv").exists()
    parts = sorted((project / "out" / f"{stem}.parts").glob("part-*.json"))
    stored = [s for p in parts for s in json.loads(p.read_text(encoding="utf-8"))["records"]]
    assert len(parts) == 2 and sorted(stored) == sorted(seen)  # one full part of 2, then the last one
    monkeypatch.setattr(cli_progress.ProgressPrinter, "__call__", original)
    assert _run(project, command)[:2] == (3, 1)
    assert _outputs(project) == expected
    assert not (project / "out" / f"{stem}.parts").exists()


def test_reused_subjects_report_their_warnings_again(project):
    (project / "data" / "S_images" / "S-003" / "S-003_flair.nii.gz").unlink()

    def summary():
        result = CliRunner().invoke(app, ["feature-extraction", "--config", str(project / "f.yaml")])
        assert result.exit_code == 0, result.output
        (line,) = [l for l in result.stdout.splitlines() if l.startswith("S: ")]
        return re.sub(r"\d+\.\d s", "<t> s", line)

    first = summary()
    assert "warnings:" in first
    assert summary() == first
    (log,) = sorted((project / "logs").glob("*.log"))[-1:]
    text = log.read_text(encoding="utf-8")
    assert "4 of 4 subjects reused" in text and "'_flair' for subject 'S-003' was not found" in text


def test_store_streams_results_to_parts_and_reads_them_back(tmp_path):
    """Computed results live in the parts, not in memory; records() and the manifest hold exactly this run."""
    from auditapp.pipelines.incremental import ResultStore

    csv = tmp_path / "extracted_information_X.csv"
    first = ResultStore(csv, chunk_size=2)
    for i in range(5):
        first.add(f"S{i}", f"k{i}", {"value": i + 0.5})
    assert first._pending == {"S4": {"key": "k4", "result": {"value": 4.5}}}  # 2 parts of 2 on disk
    assert len(list(first.parts.glob("part-*.json"))) == 2
    assert dict(first.records()) == {f"S{i}": {"value": i + 0.5} for i in range(5)}
    first.finish()
    stored = json.loads(first.manifest.read_text(encoding="utf-8"))
    assert stored == {"format": 1, "version": auditapp.__version__,
                      "records": {f"S{i}": {"key": f"k{i}", "result": {"value": i + 0.5}} for i in range(5)}}

    second = ResultStore(csv, chunk_size=2)  # S0 and S1 reused, S2 recomputed with a new key, S3/S4 removed
    assert second.lookup("S0", "k0") == {"value": 0.5} and second.lookup("S1", "k1") == {"value": 1.5}
    assert second.lookup("S2", "changed") is None
    second.add("S2", "changed", {"value": -1.0})
    assert sorted(second.records()) == [("S0", {"value": 0.5}), ("S1", {"value": 1.5}), ("S2", {"value": -1.0})]
    second.finish()
    records = json.loads(second.manifest.read_text(encoding="utf-8"))["records"]
    assert records == {"S0": {"key": "k0", "result": {"value": 0.5}}, "S1": {"key": "k1", "result": {"value": 1.5}},
                       "S2": {"key": "changed", "result": {"value": -1.0}}}
    assert not second.parts.exists()


def test_lesion_options_invalidate_and_the_lesion_table_is_reused(project):
    config = project / "m.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "metrics: {dice: true, lesion_dice: true, "
                      "lesion_counts: true}\nlesion_wise: {dilation: 1, per_lesion_table: true}\n", encoding="utf-8")
    assert _run(project, "metric-extraction")[:2] == (0, 4)
    first = _outputs(project)
    assert "lesions_S.csv" in first
    assert _run(project, "metric-extraction")[:2] == (4, 0)  # the per-lesion rows come from the manifest
    assert _outputs(project) == first
    config.write_text(config.read_text(encoding="utf-8").replace("dilation: 1", "dilation: 2"), encoding="utf-8")
    assert _run(project, "metric-extraction")[:2] == (0, 4)  # a lesion option is part of each subject's key
    assert _outputs(project) == _full_run_outputs(project, "metric-extraction")
