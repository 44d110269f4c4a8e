"""Real-data quality: ROC AUC of ours vs the Keras notebook models on the same split, per preset.

    python scripts/benchmark.py quality [--presets lstm gru bilstm] [--max_rows 12000] [--json out.json]

Data: the human-rated VADER snippets (label negative = mean rating < 0), shuffled once with a fixed seed,
then the notebook's recipe: the first ``--max_rows`` rows, a stratified 80/20 split with random_state
42, a Keras tokenizer fitted on train + validation, glove-6b-50d vectors (frozen), 5 epochs, batch 64,
Adam. Ours runs through `rnn_models.training.train` (the `rnn-models train` path); Keras 3 (torch
backend) runs the notebook's exact layers. ``--max_length`` defaults to 150, longer than every snippet,
so no text is cut; Keras then runs 150 pre-padded steps instead of 1,500, which only makes it faster.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import report, run_child, write_json


def _split(spec: dict):
    from rnn_models.data import load_table, reference_split

    table = load_table(spec["file"], "comment_text", [spec["label"]])
    return reference_split(table, [spec["label"]], max_rows=spec["max_rows"], seed=42)


def ours_worker(spec: dict) -> dict:
    from rnn_models.training import DataArguments, ModelArguments, RNNTrainingArguments, train

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
                train_sampling_strategy=spec["train_sampling_strategy"],
                length_group_mega_batches=spec["length_group_mega_batches"],
            ),
        )  # fmt: skip
    return {"roc_auc": run.metrics["eval_roc_auc"], "train_seconds": run.metrics["train_runtime"]}


def keras_worker(spec: dict) -> dict:
    os.environ["KERAS_BACKEND"] = "torch"
    import time

    import keras
    from keras import layers
    from keras_preprocessing.text import Tokenizer
    from sklearn.metrics import roc_auc_score

    from rnn_models.vectors import build_embedding_matrix, load_vectors

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
        "gru": [layers.SpatialDropout1D(0.3), layers.GRU(300)],
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
    delta = float(np.mean(ours_auc) - np.mean(keras_auc)) if keras_auc else float("nan")
    return [
        preset, mean_sd(ours_auc), mean_sd(keras_auc), f"{delta:+.4f}",
        ("yes" if delta >= -0.005 else "no") if keras_auc else "-",
        float(np.mean([r["train_seconds"] for r in ours])),
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


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py quality", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lstm", "gru", "bilstm"])
    parser.add_argument("--file", help="CSV with comment_text and --label (default: shuffled VADER snippets)")
    parser.add_argument("--label", default="negative")
    parser.add_argument("--max_rows", type=int, default=12000)
    parser.add_argument("--max_length", type=int, default=150)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[42, 43, 44], help="training seeds (the split stays 42)"
    )
    parser.add_argument(
        "--keras_presets",
        nargs="*",
        default=["lstm", "bilstm"],
        help="presets to train in Keras too; gru is left out by default: Keras 3's torch-backend GRU runs at "
        "~2 samples/s on 2 CPU cores at 150 steps (about 6 hours for 5 epochs of 9,600 rows)",
    )
    parser.add_argument(
        "--train_sampling_strategy",
        default="group_by_length",
        choices=["group_by_length", "random"],
        help="our batches (Trainer option): length-grouped (default, fast) or random (like Keras)",
    )
    parser.add_argument(
        "--length_group_mega_batches",
        type=int,
        default=0,
        help="with group_by_length: sort within this many batches (0: transformers' up to 50)",
    )
    parser.add_argument("--json", default="benchmark_quality.json")
    args = parser.parse_args(argv)
    spec = {
        "file": args.file or str(shuffled_vader()), "label": args.label, "max_rows": args.max_rows,
        "max_length": args.max_length, "epochs": args.epochs, "seeds": args.seeds,
        "train_sampling_strategy": args.train_sampling_strategy,
        "length_group_mega_batches": args.length_group_mega_batches,
    }  # fmt: skip
    rows, results = [], {}
    for preset in args.presets:
        runs = {"ours": [], "keras": []}
        for seed in args.seeds:
            for side in ["ours", "keras"] if preset in args.keras_presets else ["ours"]:
                result = run_child("bench_quality", side, {**spec, "preset": preset, "seed": seed})
                runs[side].append({"seed": seed, **result})
                print(f"{preset} {side} seed {seed}: ROC AUC {result['roc_auc']:.4f}", flush=True)
        results[preset] = runs
        rows.append(table_row(preset, runs["ours"], runs["keras"]))
        write_json(args.json, {"settings": spec, "results": results})  # partial results survive a stop
    report(args.json, HEADER, rows, spec, results)
    return 0
