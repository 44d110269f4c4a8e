"""Real-data quality: ROC AUC of ours vs the Keras notebook models on the same split, per preset.

    python scripts/benchmark.py quality [--presets lstm gru bilstm] [--max_rows 12000] [--json out.json]

The notebook's recipe: a stratified 80/20 split with random_state 42, a Keras tokenizer fitted on
train + validation, glove-6b-50d vectors (frozen), 5 epochs, batch 64, Adam. Ours runs through
`rnn_models.training.train` (the `rnn-models train` path); Keras 3 runs the notebook's exact layers
(``--keras_backend jax`` runs the same layers about 8x faster on a CPU than the torch backend; the GRU
uses its generic path, ``use_cudnn=False``).

Workloads: ``jigsaw`` (default): the real comments of ``jigsaw_train_dev.csv`` with ``row < 12000`` (the
notebook's first 12,000 rows, 11,332 of them here), label toxic, ``max_length`` 1500 as in the notebook.
``vader``: the human-rated VADER snippets (label negative = mean rating < 0) shuffled once, the first
12,000, ``max_length`` 150 (longer than every snippet: Keras runs 150 pre-padded steps, only faster).
"""

import argparse
import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import report, run_child, write_json


def _split(spec: dict):
    from rnn_models.data import load_table, reference_split

    table = load_table(spec["file"], "comment_text", [spec["label"]])
    return reference_split(table, [spec["label"]], max_rows=spec["max_rows"], seed=42)


def ours_worker(spec: dict) -> dict:
    import torch

    from rnn_models.training import DataArguments, ModelArguments, RNNTrainingArguments, train

    torch.set_num_threads(spec["threads"])
    with tempfile.TemporaryDirectory() as tmp:
        run = train(
            ModelArguments(preset=spec["preset"], vectors="glove-6b-50d", max_length=spec["max_length"]),
            DataArguments(
                train_file=spec["file"], label_columns=[spec["label"]], max_rows=spec["max_rows"],
                fit_tokenizer_on="train+validation",
            ),
            RNNTrainingArguments(
                output_dir=str(Path(tmp, "out")), num_train_epochs=spec["epochs"], save_strategy="no",
                eval_strategy="no", disable_tqdm=True, seed=spec["seed"],
                **spec["ours_options"],
            ),
        )  # fmt: skip
    return {"roc_auc": run.metrics["eval_roc_auc"], "train_seconds": run.metrics["train_runtime"]}


def keras_worker(spec: dict) -> dict:
    os.environ["KERAS_BACKEND"] = spec["keras_backend"]
    os.environ["XLA_FLAGS"] = f"--xla_cpu_multi_thread_eigen={'true' if spec['threads'] > 1 else 'false'}"
    import time

    import keras
    from keras import layers
    from keras_preprocessing.text import Tokenizer
    from sklearn.metrics import roc_auc_score

    from rnn_models.vectors import build_embedding_matrix, load_vectors

    if spec["keras_backend"] == "torch":
        import torch

        torch.set_num_threads(spec["threads"])
    keras.utils.set_random_seed(spec["seed"])
    train_set, valid_set = _split(spec)
    xtrain, xvalid = list(train_set["comment_text"]), list(valid_set["comment_text"])
    ytrain, yvalid = np.asarray(train_set[spec["label"]]), np.asarray(valid_set[spec["label"]])
    token = Tokenizer(num_words=None)  # the notebook's tokenizer and padding
    token.fit_on_texts(xtrain + xvalid)
    pad = keras.utils.pad_sequences
    xtrain_pad = pad(token.texts_to_sequences(xtrain), maxlen=spec["max_length"])
    xvalid_pad = pad(token.texts_to_sequences(xvalid), maxlen=spec["max_length"])
    matrix, _ = build_embedding_matrix(token.word_index, load_vectors("glove-6b-50d", vocab=token.word_index))
    recurrent = {
        "lstm": [layers.LSTM(100, dropout=0.3, recurrent_dropout=0.3)],
        "gru": [layers.SpatialDropout1D(0.3), layers.GRU(300, use_cudnn=False)],
        "bilstm": [layers.Bidirectional(layers.LSTM(300, dropout=0.3, recurrent_dropout=0.3))],
    }[spec["preset"]]
    embedding = layers.Embedding(len(token.word_index) + 1, matrix.shape[1], trainable=False)
    model = keras.Sequential(
        [keras.Input((spec["max_length"],)), embedding, *recurrent, layers.Dense(1, activation="sigmoid")]
    )
    embedding.set_weights([matrix])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(xtrain_pad, ytrain, epochs=spec["epochs"], batch_size=64, verbose=0)
    seconds = time.perf_counter() - start
    scores = model.predict(xvalid_pad, batch_size=256, verbose=0)[:, 0]
    return {"roc_auc": float(roc_auc_score(yvalid, scores)), "train_seconds": seconds}


WORKERS = {"ours": ours_worker, "keras": keras_worker}
HEADER = [
    "preset",
    "ours AUC (mean ± sd)",
    "Keras AUC (mean ± sd)",
    "ours - Keras",
    ">= Keras - 0.005",
    "ours train s",
    "Keras train s",
]


def mean_sd(values: list[float]) -> str:
    """``0.7812 ± 0.0040 (n=3)``: one seed says little, per-epoch AUC moves by about 0.01."""
    if not values:
        return "-"
    return (
        f"{np.mean(values):.4f} ± {np.std(values, ddof=1) if len(values) > 1 else 0.0:.4f} (n={len(values)})"
    )


def table_row(preset: str, ours: list[dict], keras: list[dict]) -> list:
    ours_auc, keras_auc = [r["roc_auc"] for r in ours], [r["roc_auc"] for r in keras]
    both = bool(ours_auc and keras_auc)  # a run of one side only compares nothing
    delta = float(np.mean(ours_auc) - np.mean(keras_auc)) if both else float("nan")
    return [
        preset, mean_sd(ours_auc), mean_sd(keras_auc), f"{delta:+.4f}",
        ("yes" if delta >= -0.005 else "no") if both else "-",
        float(np.mean([r["train_seconds"] for r in ours])) if ours else float("nan"),
        float(np.mean([r["train_seconds"] for r in keras])) if keras else float("nan"),
    ]  # fmt: skip


def shuffled_vader(seed: int = 0) -> Path:
    """The VADER CSV in a fixed random order, so the first N rows mix all four sources."""
    import pandas as pd
    from bench_data import vader_csv

    out = Path(vader_csv()).with_name(f"vader_snippets_shuffled_{seed}.csv")
    if not out.exists():
        frame = pd.read_csv(vader_csv(), keep_default_na=False).sample(frac=1.0, random_state=seed)
        frame.to_csv(out.with_suffix(".tmp"), index=False)
        out.with_suffix(".tmp").replace(out)
    return out


def parse_option(option: str) -> tuple[str, object]:
    """``"length_group_mega_batches=4"`` -> ``("length_group_mega_batches", 4)`` (JSON values, else text)."""
    name, _, value = option.partition("=")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def jigsaw_notebook_rows() -> Path:
    """The real comments among the notebook's first 12,000 rows (``row < 12000``), written once."""
    import pandas as pd
    from bench_data import CACHE, JIGSAW_CSV, workload

    workload("jigsaw")  # a clear message when the file is missing
    out = CACHE / "jigsaw_rows_lt_12000.csv"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        frame = pd.read_csv(JIGSAW_CSV, keep_default_na=False)
        frame[frame["row"] < 12000].to_csv(out.with_suffix(".tmp"), index=False)
        out.with_suffix(".tmp").replace(out)
    return out


WORKLOAD_DEFAULTS = {  # file, label, max_rows, max_length
    "jigsaw": (jigsaw_notebook_rows, "toxic", None, 1500),
    "vader": (shuffled_vader, "negative", 12000, 150),
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py quality", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lstm", "gru", "bilstm"])
    parser.add_argument("--workload", default="jigsaw", choices=list(WORKLOAD_DEFAULTS))
    parser.add_argument("--file", help="CSV with comment_text and --label instead of the workload's")
    parser.add_argument("--label", help="label column (default: the workload's)")
    parser.add_argument("--max_rows", type=int, help="first N rows (default: the workload's)")
    parser.add_argument("--max_length", type=int, help="Keras maxlen (default: the workload's)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads per training process")
    parser.add_argument("--keras_backend", default="torch", choices=["torch", "jax", "tensorflow"])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[42, 43, 44], help="training seeds (the split stays 42)"
    )
    parser.add_argument(
        "--keras_presets", nargs="*", default=["lstm", "gru", "bilstm"],
        help="presets to train in Keras too (Keras 3's torch backend needs hours per run at 1,500 steps: "
        "use --keras_backend jax)",
    )  # fmt: skip
    parser.add_argument(
        "--ours", nargs="*", default=[], metavar="FIELD=VALUE",
        help="training options for our runs, e.g. train_sampling_strategy=random length_group_mega_batches=4",
    )  # fmt: skip
    parser.add_argument("--sides", nargs="+", default=["ours", "keras"], choices=["ours", "keras"])
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (with --threads 1 on 2 cores: 2)")
    parser.add_argument("--json", default="benchmark_quality.json")
    args = parser.parse_args(argv)
    make_file, label, max_rows, max_length = WORKLOAD_DEFAULTS[args.workload]
    spec = {
        "workload": args.workload, "file": args.file or str(make_file()), "label": args.label or label,
        "max_rows": args.max_rows or max_rows, "max_length": args.max_length or max_length, "epochs": args.epochs,
        "seeds": args.seeds, "threads": args.threads, "keras_backend": args.keras_backend,
        "ours_options": dict(parse_option(option) for option in args.ours),
    }  # fmt: skip
    tasks = [
        (preset, seed, side)
        for preset in args.presets
        for seed in args.seeds
        for side in args.sides
        if side == "ours" or preset in args.keras_presets
    ]
    results = {preset: {"ours": [], "keras": []} for preset in args.presets}

    def run(task):
        preset, seed, side = task
        result = run_child("bench_quality", side, {**spec, "preset": preset, "seed": seed})
        results[preset][side].append({"seed": seed, **result})
        print(f"{preset} {side} seed {seed}: ROC AUC {result['roc_auc']:.4f}", flush=True)
        write_json(args.json, {"settings": spec, "results": results})  # partial results survive a stop

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(run, tasks))
    rows = [table_row(preset, runs["ours"], runs["keras"]) for preset, runs in results.items()]
    report(args.json, HEADER, rows, spec, results)
    return 0
