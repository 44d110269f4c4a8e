"""Real-data quality: ROC AUC of ours vs the Keras notebook models and the linear peers on one split.

    python scripts/benchmark.py quality [--presets lstm gru bilstm] [--sides ours keras peers] [--json out.json]

The notebook's recipe: a stratified 80/20 split with random_state 42, a Keras tokenizer fitted on
train + validation, glove-6b-50d vectors (frozen), 5 epochs, batch 64, Adam. Ours runs through
`rnn_models.training.job.train` (the `rnn-models train` path); Keras 3 runs the notebook's exact layers
(``--keras_backend jax`` runs the same layers about 8x faster on a CPU than the torch backend; the GRU
uses its generic path, ``use_cudnn=False``). The peers (`bench_peers`: TF-IDF + LR, NB-LR, and fastText
where the ``fasttext`` package is installed) train once each on the same training rows, C chosen by
cross-validation inside the training split; the table puts them beside every preset.

``--labels toxic severe_toxic obscene threat insult identity_hate`` scores all six labels (mean column
ROC AUC, one output per label; the split stays stratified on the first label).

Workloads: ``jigsaw`` (default): the real comments of ``jigsaw_train_dev.csv`` with ``row < 12000`` (the
notebook's first 12,000 rows, 11,332 of them here), label toxic, ``max_length`` 1500 as in the notebook;
``jigsaw_all``: all 19,061 of them.

``--robustness`` adds, for ours and the peers, the ROC AUC drop on disguised insults and the share of benign
tweets flagged (`bench_robustness`); ``--fit_on train`` fits our tokenizer on the training texts only (the
deployment default; the peers' vectorizers always are); ``--peer_c_grid`` sets the peers' C values (the
practitioner's four: 0.03125 0.125 0.5 2).
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
from bench_peers import C_GRID, PEERS, default_peers, fasttext_available


def _labels(spec: dict) -> list[str]:
    return spec.get("labels") or [spec["label"]]  # bench_vocab's specs name one label


def _split(spec: dict):
    from rnn_models.text.tables import load_table, reference_split

    table = load_table(spec["file"], "comment_text", _labels(spec))
    return reference_split(table, _labels(spec), max_rows=spec["max_rows"], seed=42)


def _texts_and_labels(table, spec: dict) -> tuple[list[str], np.ndarray]:
    return list(table["comment_text"]), np.stack([np.asarray(table[c]) for c in _labels(spec)], axis=1)


def _auc(scores: np.ndarray, labels: np.ndarray, spec: dict) -> dict:
    """``{"roc_auc": mean column AUC}``, plus ``roc_auc_<label>`` per label when there are several."""
    from rnn_models.training.metrics import roc_auc

    return roc_auc(scores.reshape(len(labels), -1), labels, _labels(spec))


def _robustness(spec: dict, score) -> dict:
    """`bench_robustness` figures for a model whose ``score(texts)`` gives ``(rows, labels)`` scores."""
    from bench_robustness import robustness_figures, robustness_texts

    train_set, valid_set = _split(spec)
    xtrain, ytrain = _texts_and_labels(train_set, spec)
    xvalid, yvalid = _texts_and_labels(valid_set, spec)
    extra = robustness_texts(xtrain, ytrain[:, 0], xvalid)
    scored = {name: np.asarray(score(texts))[:, 0] for name, texts in {"valid": xvalid, **extra}.items()}
    return robustness_figures(scored["valid"], scored, yvalid[:, 0], float(ytrain[:, 0].mean()))


def ours_worker(spec: dict) -> dict:
    import time

    import torch

    from rnn_models.serving.inference import predict_scores
    from rnn_models.training.job import DataArguments, ModelArguments, RNNTrainingArguments, train

    torch.set_num_threads(spec["threads"])
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        run = train(
            ModelArguments(preset=spec["preset"], vectors="glove-6b-50d", max_length=spec["max_length"]),
            DataArguments(
                train_file=spec["file"], label_columns=_labels(spec), max_rows=spec["max_rows"],
                fit_tokenizer_on=spec["fit_on"],
            ),
            RNNTrainingArguments(
                output_dir=str(Path(tmp, "out")), num_train_epochs=spec["epochs"], save_strategy="no",
                eval_strategy="no", disable_tqdm=True, seed=spec["seed"],
                **spec["ours_options"],
            ),
        )  # fmt: skip
    wall = time.perf_counter() - start  # the whole job: features, linear fit, training, evaluation
    aucs = {k.removeprefix("eval_"): v for k, v in run.metrics.items() if k.startswith("eval_roc_auc")}
    result = {**aucs, "train_seconds": run.metrics["train_runtime"], "wall_seconds": wall}
    if spec.get("robustness"):
        model = run.trainer.model.eval()
        result["robustness"] = _robustness(spec, lambda texts: predict_scores(model, run.tokenizer, texts))
    return result


def keras_worker(spec: dict) -> dict:
    os.environ["KERAS_BACKEND"] = spec["keras_backend"]
    os.environ["XLA_FLAGS"] = f"--xla_cpu_multi_thread_eigen={'true' if spec['threads'] > 1 else 'false'}"
    import time

    import keras
    from keras import layers
    from keras_preprocessing.text import Tokenizer

    from rnn_models.vectors import build_embedding_matrix, load_vectors

    if spec["keras_backend"] == "torch":
        import torch

        torch.set_num_threads(spec["threads"])
    keras.utils.set_random_seed(spec["seed"])
    train_set, valid_set = _split(spec)
    xtrain, ytrain = _texts_and_labels(train_set, spec)  # labels: (rows, n_labels)
    xvalid, yvalid = _texts_and_labels(valid_set, spec)
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
    head = layers.Dense(ytrain.shape[1], activation="sigmoid")  # one output per label
    model = keras.Sequential([keras.Input((spec["max_length"],)), embedding, *recurrent, head])
    embedding.set_weights([matrix])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(
        xtrain_pad, ytrain, epochs=spec["epochs"] if spec["epochs"] > 0 else 5, batch_size=64, verbose=0
    )
    seconds = time.perf_counter() - start
    scores = model.predict(xvalid_pad, batch_size=256, verbose=0)
    return {**_auc(scores, yvalid, spec), "train_seconds": seconds}


def peer_worker(spec: dict) -> dict:
    """One peer of `bench_peers.PEERS` on the split; ``train_seconds`` covers features, CV and the fit."""
    import time

    _, fit_peer, options = PEERS[spec["peer"]]
    train_set, valid_set = _split(spec)
    xtrain, ytrain = _texts_and_labels(train_set, spec)  # labels: (rows, n_labels)
    xvalid, yvalid = _texts_and_labels(valid_set, spec)
    c_grid = spec.get("peer_c_grid") or list(C_GRID)
    if "c_grid" in fit_peer.__code__.co_varnames:
        options = {**options, "c_grid": c_grid}
    start = time.perf_counter()
    fit = fit_peer(xtrain, ytrain, xvalid, seed=42, **options)
    seconds = time.perf_counter() - start
    result = {
        **_auc(fit.scores, yvalid, spec), "train_seconds": seconds, "cv_seconds": fit.cv_seconds,
        "c": fit.c, "cv_roc_auc": fit.cv_roc_auc, "c_grid": c_grid, "n_features": fit.n_features,
        "versions": {name: _version(name) for name in ("scikit-learn", "fasttext-wheel", "fasttext")},
    }  # fmt: skip
    if spec.get("robustness"):  # the same fit scores the extra texts (C as chosen above)
        fixed = {**options, "c_grid": fit.c[:1]} if "c_grid" in options else options
        result["robustness"] = _robustness(
            spec,
            lambda texts: np.asarray(fit_peer(xtrain, ytrain, texts, seed=42, **fixed).scores).reshape(
                len(texts), -1
            ),
        )
    return result


def _version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


WORKERS = {"ours": ours_worker, "keras": keras_worker, "peers": peer_worker}
HEADER = ["model", "side", "ROC AUC (mean ± sd)", "- Keras", "- best peer", "train s"]


def mean_sd(values: list[float]) -> str:
    """``0.7812 ± 0.0040 (n=3)``, ``0.7812 (n=1)``: one seed says little, per-epoch AUC moves by about 0.01."""
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.4f} (n=1)"
    return f"{np.mean(values):.4f} ± {np.std(values, ddof=1):.4f} (n={len(values)})"


def table_rows(presets: dict[str, dict[str, list[dict]]], peers: dict[str, dict]) -> list[list]:
    """One row per preset and side, then one per peer; "- Keras" for ours, "- best peer" for every row."""
    best_peer = max((r["roc_auc"] for r in peers.values()), default=None)

    def row(model: str, side: str, runs: list[dict], keras_mean: float | None = None) -> list:
        aucs = [r["roc_auc"] for r in runs]
        return [
            model, side, mean_sd(aucs),
            f"{np.mean(aucs) - keras_mean:+.4f}" if keras_mean is not None else "-",
            f"{np.mean(aucs) - best_peer:+.4f}" if best_peer is not None else "-",
            float(np.mean([r["train_seconds"] for r in runs])),
        ]  # fmt: skip

    rows = []
    for preset, runs in presets.items():
        keras_mean = float(np.mean([r["roc_auc"] for r in runs["keras"]])) if runs["keras"] else None
        rows += [row(preset, "ours", runs["ours"], keras_mean)] if runs["ours"] else []
        rows += [row(preset, "Keras", runs["keras"])] if runs["keras"] else []
    return rows + [row(PEERS[name][0], "peer", [result]) for name, result in peers.items()]


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


def jigsaw_all_rows() -> Path:
    """All 19,061 real comments of ``jigsaw_train_dev.csv``."""
    from bench_data import JIGSAW_CSV, workload

    workload("jigsaw")  # a clear message when the file is missing
    return Path(JIGSAW_CSV)


WORKLOAD_DEFAULTS = {  # file, label, max_rows, max_length
    "jigsaw": (jigsaw_notebook_rows, "toxic", None, 1500),
    "jigsaw_all": (jigsaw_all_rows, "toxic", None, 1500),
    "vader": (shuffled_vader, "negative", 12000, 150),
}


def peer_tasks(requested: list[str] | None) -> list[str]:
    """The peers to train: those asked for (default: `default_peers`), fastText skipped with a note."""
    names = requested or default_peers()
    if not fasttext_available() and any(n.startswith("fasttext") for n in names):
        print("fastText skipped: the fasttext package is not importable (pip install fasttext-wheel)")
    return [n for n in names if fasttext_available() or not n.startswith("fasttext")]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py quality", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lstm", "gru", "bilstm"])
    parser.add_argument("--workload", default="jigsaw", choices=list(WORKLOAD_DEFAULTS))
    parser.add_argument("--file", help="CSV with comment_text and --label instead of the workload's")
    parser.add_argument(
        "--labels",
        "--label",
        nargs="+",
        help="label columns (default: the workload's one); several: mean column AUC",
    )
    parser.add_argument("--max_rows", type=int, help="first N rows (default: the workload's)")
    parser.add_argument("--max_length", type=int, help="Keras maxlen (default: the workload's)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads per training process")
    parser.add_argument("--keras_backend", default="torch", choices=["torch", "jax", "tensorflow"])
    parser.add_argument(
        "--epochs", type=int, default=-1, help="default: each preset's (Keras: 5, the notebook's)"
    )
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
    parser.add_argument("--sides", nargs="+", default=["ours", "keras", "peers"], choices=list(WORKERS))
    parser.add_argument(
        "--peers", nargs="+", choices=list(PEERS),
        help=f"peers to train once each (default: {' '.join(default_peers())}; fastText needs the fasttext package)",
    )  # fmt: skip
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (with --threads 1 on 2 cores: 2)")
    parser.add_argument("--json", default="benchmark_quality.json")
    parser.add_argument(
        "--fit_on", default="train+validation", choices=["train", "train+validation"],
        help="texts our tokenizer is fitted on: the notebook's train+validation, or train (the deployment default)",
    )  # fmt: skip
    parser.add_argument(
        "--peer_c_grid", type=float, nargs="+", help="the peers' C values (default: bench_peers')"
    )
    parser.add_argument(
        "--robustness", action="store_true",
        help="also disguised insults and false alarms on benign tweets (bench_robustness), ours and peers",
    )  # fmt: skip
    args = parser.parse_args(argv)
    make_file, label, max_rows, max_length = WORKLOAD_DEFAULTS[args.workload]
    spec = {
        "workload": args.workload, "file": args.file or str(make_file()), "labels": args.labels or [label],
        "max_rows": args.max_rows or max_rows, "max_length": args.max_length or max_length, "epochs": args.epochs,
        "seeds": args.seeds, "threads": args.threads, "keras_backend": args.keras_backend,
        "ours_options": dict(parse_option(option) for option in args.ours),
        "fit_on": args.fit_on, "peer_c_grid": args.peer_c_grid, "robustness": args.robustness,
    }  # fmt: skip
    peer_names = peer_tasks(args.peers) if "peers" in args.sides else []
    tasks = [("peers", name, None) for name in peer_names] + [
        (side, preset, seed)
        for preset in args.presets
        for seed in args.seeds
        for side in args.sides
        if side == "ours" or (side == "keras" and preset in args.keras_presets)
    ]
    presets = {
        preset: {"ours": [], "keras": []} for preset in args.presets if {"ours", "keras"} & set(args.sides)
    }
    peers: dict[str, dict] = {}

    def run(task):
        side, name, seed = task
        if side == "peers":
            peers[name] = run_child("bench_quality", side, {**spec, "peer": name})
            print(f"{name} peer: ROC AUC {peers[name]['roc_auc']:.4f}, C {peers[name]['c']}", flush=True)
        else:
            result = run_child("bench_quality", side, {**spec, "preset": name, "seed": seed})
            presets[name][side].append({"seed": seed, **result})
            print(f"{name} {side} seed {seed}: ROC AUC {result['roc_auc']:.4f}", flush=True)
        write_json(args.json, {"settings": spec, "results": {**presets, "peers": peers}})  # partial results

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(run, tasks))
    report(args.json, HEADER, table_rows(presets, peers), spec, {**presets, "peers": peers})
    return 0
