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
    example = re.findall(r"```python\n(.*?)```", README.split("## In Python", 1)[1], flags=re.S)[0]
    exec(compile(example, "README.md", "exec"), {"__name__": "readme"})
    assert (tmp_path / "my-rnn" / "model.safetensors").exists()


def test_readme_explanation_example_runs(tmp_path, monkeypatch, capsys):
    import torch

    from conftest import tiny_config
    from rnn_models import RNNForSequenceClassification, RNNTokenizerFast

    monkeypatch.chdir(tmp_path)
    tokenizer = RNNTokenizerFast.from_texts(["you are a stupid idiot", "get lost"], max_length=20)
    torch.manual_seed(0)
    config = tiny_config("lstm", vocab_size=len(tokenizer), max_length=20, id2label={0: "toxic"})
    RNNForSequenceClassification(config).save_pretrained(tmp_path / "toxic-bilstm")
    tokenizer.save_pretrained(tmp_path / "toxic-bilstm")
    section = README.split("## Why was it flagged", 1)[1]
    example = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    exec(compile(example, "README.md", "exec"), {"__name__": "readme"})
    lines = capsys.readouterr().out.splitlines()
    text = "You are a stupid idiot, get lost!!"
    assert len(lines) == 4  # the scores, then the top 3 words with their spans and contributions
    for line in lines[1:]:
        word, start, end, _ = line.split()
        assert text[int(start) : int(end)] == word
