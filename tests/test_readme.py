"""The README's commands are the ones CI runs, and its Python example runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_ci_runs_exactly_the_readme_test_command():
    ci_command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    bash_blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    assert bash_blocks[1].strip() == ci_command
    assert "pytest" in ci_command and "torch==2.13.0" in ci_command


def test_readme_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    example = re.findall(r"```python\n(.*?)```", README, flags=re.S)[0]
    exec(compile(example, "README.md", "exec"), {"__name__": "readme"})
    assert (tmp_path / "my-rnn" / "model.safetensors").exists()
