"""The README's commands are the ones CI runs, and its Python example runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def setup_commands() -> list[str]:
    """The bash blocks of "## Set up on a fresh machine", in order."""
    section = README.split("\n## Set up on a fresh machine\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def test_ci_runs_the_readme_commands_verbatim_main_job_first():
    """A newcomer runs the main command, then the test command, in one checkout: so does CI."""
    main_command, test_command = setup_commands()
    assert main_command.endswith("&& rnn-models train") and test_command.endswith("&& python -m pytest")
    assert "torch==2.13.0" in main_command and "torch==2.13.0" in test_command
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert main_command in lines and test_command in lines, "copy the README's commands into .ci/run"
    assert lines.index("set -euo pipefail") < lines.index(main_command) < lines.index(test_command)


def test_readme_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    example = re.findall(r"```python\n(.*?)```", README, flags=re.S)[0]
    exec(compile(example, "README.md", "exec"), {"__name__": "readme"})
    assert (tmp_path / "my-rnn" / "model.safetensors").exists()
