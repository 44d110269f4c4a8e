"""The distributed path on CPU: two processes through torchrun; only rank 0 writes the output."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from test_training import make_dataset


def test_torchrun_two_processes_train_and_only_rank_zero_writes(tmp_path):
    csv, vectors = make_dataset(tmp_path)
    out = tmp_path / "out"
    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
    command = [
        torchrun, "--standalone", "--nproc_per_node", "2", "-m", "rnn_models.cli", "train",
        "--train_file", str(csv), "--vectors", str(vectors), "--output_dir", str(out), "--max_steps", "4",
        "--per_device_train_batch_size", "8", "--disable_tqdm", "true", "--no_vectors_cache",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("model folder:") == 1  # the summary comes from rank 0 alone
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 4
    assert {"model.safetensors", "config.json", "eval_results.json", "README.md"} <= {
        p.name for p in out.iterdir()
    }
    assert not any(p.name.startswith(".") for p in out.iterdir())
    training_args = json.loads((out / "training_args.json").read_text())
    assert training_args["use_cpu"] is True
