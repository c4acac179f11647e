"""The user-facing surface stays in step with the CLI: README commands, .ci/run, docs/cli.md."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from auditapp.cli import app
from auditapp.errors import EXIT_CONFIG, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
GROUP = typer.main.get_command(app)


def test_readme_one_liners_and_ci_agree():
    assert "pip install . && auditapp demo --serve" in README.splitlines()
    test_line = 'pip install -e ".[dev]" && pytest'
    assert test_line in README.splitlines()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"TEST_COMMAND='{test_line}'" in ci
    assert "set -euo pipefail" in ci


def test_commands_named_in_readme_exist():
    named = set(re.findall(r"^\s*auditapp ([a-z-]+)", README, re.M)) | set(re.findall(r"&& auditapp ([a-z-]+)", README))
    assert named >= {"demo", "init", "feature-extraction", "metric-extraction", "run-app"}
    assert named <= set(GROUP.commands)


def test_docs_cli_describes_every_command_and_option():
    for name, command in GROUP.commands.items():
        assert f"## {name}" in CLI_DOC, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in CLI_DOC, f"{name} {opt}"
    table = CLI_DOC.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = {int(c) for c in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert codes == {EXIT_OK, EXIT_CONFIG, EXIT_PARTIAL, EXIT_INTERRUPTED} == {0, 1, 3, 130}
