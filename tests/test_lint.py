"""ruff lint and format checks over the whole repository (configured in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))


@pytest.mark.parametrize(
    "args", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"]
)
def test_ruff(args):
    proc = subprocess.run([RUFF, *args], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    after = readme.split("<!-- test-command -->", 1)[1]
    command = after.split("```bash\n", 1)[1].split("\n", 1)[0]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert command.startswith("python3.11 -m venv") and command.endswith("pytest")
    assert ci[-1] == command, "the last line of .ci/run must be the README's test command"
