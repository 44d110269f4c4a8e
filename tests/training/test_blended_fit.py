"""The default preset's fits under several processes: the main process fits once, every process gets the result."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

TORCHRUN = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}

FIT_ONCE = """
import sys
from pathlib import Path
from rnn_models.training.arguments import RNNTrainingArguments
from rnn_models.training.blended_fit import fitted_once

args = RNNTrainingArguments(output_dir=sys.argv[1])
folder = Path(sys.argv[1])

def fit():
    (folder / f"fitted-by-{args.process_index}").touch()
    if sys.argv[2] == "bad":
        raise ValueError("identity_hate: every training row has label 0")
    if sys.argv[2] == "bug":
        raise KeyError("a bug")
    return {"c": [0.125], "rank": args.process_index}

try:
    result = fitted_once(args, fit)
except (ValueError, KeyError, RuntimeError) as error:
    print(f"rank {args.process_index}: {type(error).__name__}: {error}")
    sys.exit(3)
print(f"rank {args.process_index} got {result}")
"""


def _torchrun(tmp_path: Path, mode: str) -> subprocess.CompletedProcess:
    script = tmp_path / "fit_once.py"
    script.write_text(FIT_ONCE)
    command = [TORCHRUN, "--standalone", "--nproc_per_node", "2", str(script), str(tmp_path), mode]
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=300)


def test_the_main_process_fits_once_and_every_process_gets_its_result(tmp_path):
    done = _torchrun(tmp_path, "good")
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.glob("fitted-by-*")) == ["fitted-by-0"]
    for rank in (0, 1):
        assert f"rank {rank} got {{'c': [0.125], 'rank': 0}}" in done.stdout


def test_a_bad_input_on_the_main_process_is_raised_in_every_process(tmp_path):
    done = _torchrun(tmp_path, "bad")
    assert done.returncode != 0
    for rank in (0, 1):
        assert f"rank {rank}: ValueError: identity_hate: every training row has label 0" in done.stdout


def test_a_bug_on_the_main_process_stops_every_process_instead_of_leaving_them_waiting(tmp_path):
    done = _torchrun(tmp_path, "bug")
    assert done.returncode != 0
    assert "rank 0: KeyError: 'a bug'" in done.stdout
    assert (
        "rank 1: RuntimeError: the main process failed fitting the linear part with KeyError: 'a bug'"
        in done.stdout
    )
