"""The distributed path on CPU: two processes through torchrun; only rank 0 writes the output; an error in
one process, of any type, stops every process promptly."""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from builders import comments_table, default_preset_model, make_dataset, nan_word_model

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.commands.cli import main

TORCHRUN = shutil.which("torchrun", path=str(Path(sys.executable).parent)) or "torchrun"
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}  # this checkout's rnn_models


def test_torchrun_two_processes_train_and_only_rank_zero_writes(tmp_path):
    csv, vectors = make_dataset(tmp_path)
    out = tmp_path / "out"
    command = [
        TORCHRUN, "--standalone", "--nproc_per_node", "2", "-m", "rnn_models", "train",
        "--train_file", str(csv), "--vectors", str(vectors), "--output_dir", str(out), "--max_steps", "4",
        "--per_device_train_batch_size", "8", "--disable_tqdm", "true", "--no_vectors_cache",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)
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


def saved_model_and_table(folder: Path) -> tuple[Path, Path]:
    """A tiny two-label model and a 30-row table with both labels: 8 batches of 4, so both processes score."""
    table, _ = make_dataset(folder, rows=30)
    rows = pd.read_csv(table)
    rows["other"] = [i % 3 == 0 for i in range(len(rows))]
    rows.to_csv(table, index=False)
    tokenizer = RNNTokenizerFast.from_texts(rows["comment_text"].tolist(), max_length=20)
    torch.manual_seed(0)
    labels = {0: "toxic", 1: "other"}
    config = tiny_config("bilstm", vocab_size=len(tokenizer), id2label=labels, max_length=20)
    config.problem_type = "multi_label_classification"
    model = folder / "model"
    RNNForSequenceClassification(config).save_pretrained(model)
    tokenizer.save_pretrained(model)
    return model, table


LAUNCHERS = {
    "torchrun": [TORCHRUN, "--standalone", "--nproc_per_node", "2"],
    "accelerate launch": [
        shutil.which("accelerate", path=str(Path(sys.executable).parent)) or "accelerate",
        "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
        "--dynamo_backend", "no",
    ],  # --multi_gpu: torchrun underneath, on the CPU here (accelerate's --cpu starts one process)
}  # fmt: skip


def run_cli(*argv: str, launcher: str | None = None) -> subprocess.CompletedProcess:
    """``rnn-models ...`` in one process, or in two through ``launcher`` (a key of `LAUNCHERS`)."""
    command = [
        *(LAUNCHERS[launcher] if launcher else [sys.executable]),
        "-m",
        "rnn_models",
        *argv,
    ]
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_two_processes_predict_one_file_equal_to_one_process(launcher, tmp_path):
    model, table = saved_model_and_table(tmp_path)
    scoring = ["predict", "--model", str(model), "--file", str(table), "--batch_size", "4", "--output"]
    alone = run_cli(*scoring, str(tmp_path / "alone.csv"))
    assert alone.returncode == 0, alone.stderr[-3000:]
    merged = run_cli(*scoring, str(tmp_path / "merged.csv"), launcher=launcher)
    assert merged.returncode == 0, merged.stderr[-3000:]
    assert (tmp_path / "merged.csv").read_bytes() == (tmp_path / "alone.csv").read_bytes()  # row order too
    assert merged.stderr.count("wrote 30 rows") == 1 and merged.stdout == ""  # rank 0 alone writes
    assert "scored by 2 processes" in merged.stderr and "scored by" not in alone.stderr
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_torchrun_evaluate_prints_one_json_equal_to_one_process(tmp_path):
    model, table = saved_model_and_table(tmp_path)
    scoring = ["evaluate", "--model", str(model), "--file", str(table), "--batch_size", "4"]
    alone, merged = run_cli(*scoring), run_cli(*scoring, launcher="torchrun")
    assert alone.returncode == 0 and merged.returncode == 0, merged.stderr[-3000:]
    assert merged.stdout == alone.stdout and len(merged.stdout.splitlines()) == 1
    assert json.loads(merged.stdout)["num_rows"] == 30


KILL_RANK_ZERO = """
import os, signal, sys
from rnn_models.commands.cli import main
from rnn_models.serving.partial_output import PartialOutput

append = PartialOutput.append

def append_then_die(self, *args, **kwargs):
    append(self, *args, **kwargs)
    if self.progress.chunks == 5:
        os.kill(os.getpid(), signal.SIGKILL)  # rank 0, mid-table: torchrun stops the other process

PartialOutput.append = append_then_die
sys.exit(main())
"""


def test_two_processes_keep_a_nan_row_and_resume_a_killed_run_to_one_process_bytes(tmp_path):
    table = comments_table(tmp_path / "comments.csv", 90, poison_rows=(4, 61))
    texts = pd.read_csv(table, keep_default_na=False)["comment_text"].tolist()
    model = nan_word_model(tmp_path / "model", texts, labels={0: "toxic", 1: "other"})
    scoring = [
        "predict",
        "--model",
        str(model),
        "--file",
        str(table),
        "--chunk_rows",
        "7",
        "--batch_size",
        "3",
    ]
    alone = run_cli(*scoring, "--output", str(tmp_path / "alone.csv"))
    assert alone.returncode == 0, alone.stderr[-3000:]
    script = tmp_path / "kill_rank_zero.py"
    script.write_text(KILL_RANK_ZERO)
    out = tmp_path / "merged.csv"
    command = [*LAUNCHERS["torchrun"], str(script), *scoring, "--output", str(out)]
    killed = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)
    assert killed.returncode != 0 and not out.exists()
    marker = json.loads((tmp_path / ".merged.csv.partial.json").read_text())
    assert (marker["chunks"], marker["rows"]) == (5, 35)
    resumed = run_cli(*scoring, "--output", str(out), "--resume", launcher="torchrun")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert out.read_bytes() == (tmp_path / "alone.csv").read_bytes()
    written = pd.read_csv(out)
    assert len(written) == 90 and written[["toxic", "other"]].isna().all(axis=1).tolist() == [
        i in (4, 61) for i in range(90)
    ]  # the NaN rows are there, once each, in place
    assert (
        resumed.stderr.count("2 of 90 rows got NaN scores") == 1 and "scored by 2 processes" in resumed.stderr
    )
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_default_preset_under_torchrun_resumes_and_evaluates_as_one_process(tmp_path, capsys):
    table = comments_table(tmp_path / "comments.csv", 60)
    texts = pd.read_csv(table, keep_default_na=False)["comment_text"].tolist()
    model = default_preset_model(tmp_path / "model", texts, labels={0: "toxic", 1: "other"})
    rows = pd.read_csv(table)
    rows["other"] = [i % 3 == 0 for i in range(len(rows))]
    rows.to_csv(table, index=False)
    scoring = ["--model", str(model), "--file", str(table), "--chunk_rows", "7", "--batch_size", "3"]
    assert main(["predict", *scoring, "--output", str(tmp_path / "alone.csv")]) == 0
    assert main(["evaluate", *scoring]) == 0
    evaluated_alone = capsys.readouterr().out
    script = tmp_path / "kill_rank_zero.py"
    script.write_text(KILL_RANK_ZERO)
    out = tmp_path / "merged.csv"
    command = [*LAUNCHERS["torchrun"], str(script), "predict", *scoring, "--output", str(out)]
    killed = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=600)
    assert killed.returncode != 0 and not out.exists()
    resumed = run_cli("predict", *scoring, "--output", str(out), "--resume", launcher="torchrun")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert out.read_bytes() == (tmp_path / "alone.csv").read_bytes()
    evaluated = run_cli("evaluate", *scoring, launcher="torchrun")
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert evaluated.stdout == evaluated_alone


FAIL_IN_ONE_RANK = """
import json, os, sys, time, traceback

rank, report = int(os.environ["RANK"]), os.environ["REPORT_DIR"]
stderr = open(os.path.join(report, f"rank{rank}.err"), "w")
os.dup2(stderr.fileno(), 2)  # this process's own stderr, to read apart from the other's
failing, where = int(os.environ["FAIL_RANK"]), os.environ["FAIL_WHERE"]

def fail():
    with open(os.path.join(report, "failed_at"), "w") as handle:
        handle.write(repr(time.time()))
    raise RuntimeError("an injected bug")

if rank == failing and where == "scoring":  # this process's second chunk
    import rnn_models.serving.inference as inference
    predict_scores, calls = inference.predict_scores, []

    def score_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            fail()
        return predict_scores(*args, **kwargs)

    inference.predict_scores = score_then_fail
if rank == failing and where == "writing":  # rank 0 appending its third chunk to the partial output
    from rnn_models.serving.partial_output import PartialOutput
    append = PartialOutput.append

    def fail_then_append(self, *args, **kwargs):
        if self.progress.chunks == 2:
            fail()
        append(self, *args, **kwargs)

    PartialOutput.append = fail_then_append

from rnn_models.commands.cli import main
try:
    status = main(sys.argv[1:])
except BaseException:
    traceback.print_exc()
    status = "raised"
sys.stderr.flush()
with open(os.path.join(report, f"rank{rank}.json"), "w") as handle:
    json.dump({"status": status, "exited_at": time.time()}, handle)
sys.exit(1 if status == "raised" else status)
"""


@pytest.mark.parametrize(("failing", "where"), [(1, "scoring"), (0, "writing"), (0, "scoring")])
def test_a_bug_in_one_process_stops_every_process_promptly_with_one_line(failing, where, tmp_path):
    model, table = saved_model_and_table(tmp_path)
    script, report = tmp_path / "fail_in_one_rank.py", tmp_path / "report"
    script.write_text(FAIL_IN_ONE_RANK)
    report.mkdir()
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "3", "--output"]
    # A slow monitor: a process the launcher stops (rather than one that exits by itself) writes no report.
    launcher = [TORCHRUN, "--standalone", "--nproc_per_node", "2", "--monitor-interval", "5"]
    env = {**ENV, "REPORT_DIR": str(report), "FAIL_RANK": str(failing), "FAIL_WHERE": where}
    with subprocess.Popen(
        [*launcher, str(script), *argv, str(tmp_path / "scores.csv")], env=env, start_new_session=True
    ) as launched:
        try:
            assert launched.wait(timeout=300) != 0
        finally:
            if launched.poll() is None:  # hung: stop the whole group, never leave it running
                os.killpg(launched.pid, signal.SIGKILL)
    failed_at = float((report / "failed_at").read_text())
    for rank in (0, 1):
        assert (report / f"rank{rank}.json").exists(), f"rank {rank} did not exit by itself"
        outcome = json.loads((report / f"rank{rank}.json").read_text())
        assert outcome["exited_at"] - failed_at < 60
        err = (report / f"rank{rank}.err").read_text()
        if rank == failing:
            assert outcome["status"] == "raised" and "RuntimeError: an injected bug" in err
            continue
        lines = [line for line in err.splitlines() if line.startswith("rnn-models predict:")]
        assert outcome["status"] == 1 and "Traceback" not in err and len(lines) == 1, err
        assert f"process {failing} of 2 failed with RuntimeError: an injected bug" in lines[0]
    assert not (tmp_path / "scores.csv").exists()
