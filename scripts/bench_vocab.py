"""Words from the vectors (``--vocab_from_vectors N``): ROC AUC on texts the tokenizer never saw, per N.

    python scripts/benchmark.py vocab [--workload jigsaw] [--presets lstm gru bilstm] [--seeds 42 43 44]

The notebook's split and recipe (as ``benchmark.py quality``: stratified 80/20, random_state 42, glove-6b-50d
frozen, 5 epochs), in two settings:

- ``held-out``: the tokenizer is fitted on the training texts only, the honest deployment setting: the
  validation texts hold words the vocabulary lacks. One model is trained with every word of the vectors
  (N = all), then scored with the tokenizer cut to N words from the vectors, for each N. That is the model
  training with N would give: training texts hold no word from the vectors, and no initial weight depends on
  the vocabulary size (tests/test_training.py checks the trained weights are identical for N = 0 and N > 0).
  The run also scores N = all with the frozen table rounded to float16 (the ``--embedding_dtype float16`` storage).
- ``notebook``: fitted on train + validation (the notebook); words from the vectors never occur in the
  validation texts there, so one figure per seed covers every N.

``--sizes`` measures instead, for each N: the saved folder on disk (float32 and float16 table) and the time
``AutoTokenizer`` + ``AutoModelForSequenceClassification.from_pretrained`` take to load it (best of 3).
"""

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import best_of, report, run_child, write_json
from bench_quality import WORKLOAD_DEFAULTS, _split, mean_sd

SIZES = [0, 10_000, 50_000, 100_000, None]  # words taken from the vectors; None: all of them


def size_name(size: int | None) -> str:
    return "all" if size is None else f"{size:,}"


def worker(spec: dict) -> dict:
    import torch
    from sklearn.metrics import roc_auc_score

    from rnn_models import RNNTokenizerFast
    from rnn_models.serving.inference import predict_scores
    from rnn_models.training.job import DataArguments, ModelArguments, RNNTrainingArguments, train

    torch.set_num_threads(spec["threads"])
    held_out = spec["setting"] == "held-out"
    with tempfile.TemporaryDirectory() as tmp:
        run = train(
            ModelArguments(preset=spec["preset"], vectors="glove-6b-50d", max_length=spec["max_length"],
                           vocab_from_vectors=-1 if held_out else 0),
            DataArguments(
                train_file=spec["file"], label_columns=[spec["label"]], max_rows=spec["max_rows"],
                fit_tokenizer_on="train" if held_out else "train+validation",
            ),
            RNNTrainingArguments(
                output_dir=str(Path(tmp, "out")), num_train_epochs=spec["epochs"], save_strategy="no",
                eval_strategy="no", disable_tqdm=True, seed=spec["seed"],
            ),
        )  # fmt: skip
    result = {"trainer_roc_auc": run.metrics["eval_roc_auc"], "train_seconds": run.metrics["train_runtime"]}
    if not held_out:
        return {**result, "roc_auc": {"all": run.metrics["eval_roc_auc"]}}
    _, valid = _split(spec)
    texts, labels = list(valid["comment_text"]), np.asarray(valid[spec["label"]])
    model, tokenizer = run.trainer.model.eval(), run.tokenizer
    words = tokenizer.vectors_words
    result["roc_auc"] = {}
    for size in SIZES:
        cut = tokenizer.keras_vocabulary.with_vectors_words(words[:size])
        scored = RNNTokenizerFast(keras_vocabulary=cut, model_max_length=tokenizer.model_max_length)
        result["roc_auc"][size_name(size)] = float(
            roc_auc_score(labels, predict_scores(model, scored, texts)[:, 0])
        )
    table = model.get_input_embeddings().weight
    with torch.no_grad():
        table.copy_(table.half().float())
    result["roc_auc_float16_all"] = float(
        roc_auc_score(labels, predict_scores(model, tokenizer, texts)[:, 0])
    )
    result["vectors_words"], result["keras_rows"] = len(words), tokenizer.keras_vocabulary.keras_rows
    result["valid_tokens_dropped"] = dropped_share(tokenizer, texts)
    return result


def dropped_share(tokenizer, texts: list[str]) -> dict[str, float]:
    """Share of the validation texts' words that each N drops (neither a Keras id nor a word from the vectors)."""
    from rnn_models.text.keras_vocabulary import KerasVocabulary

    vocabulary = tokenizer.keras_vocabulary
    counts = KerasVocabulary.fit(
        texts, filters=vocabulary.filters, lower=vocabulary.lower, split=vocabulary.split
    ).word_counts
    keras = set(vocabulary.encoded_words()) - set(tokenizer.vectors_words)
    rank = {w: i for i, w in enumerate(tokenizer.vectors_words)}
    missing = [(rank.get(w, len(rank)), n) for w, n in counts.items() if w not in keras]
    total = sum(counts.values())
    return {
        size_name(s): sum(n for r, n in missing if r >= (len(rank) if s is None else s)) / total
        for s in SIZES
    }


def sizes_worker(spec: dict) -> dict:
    """Folder size and load time of an lstm model fitted on the training texts, for each N and storage."""
    import os

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from rnn_models import RNNTokenizerFast
    from rnn_models.training.job import ModelArguments, build_model, load_vocabulary_vectors

    torch.set_num_threads(spec["threads"])
    train_set, _ = _split(spec)
    keras = RNNTokenizerFast.from_texts(list(train_set["comment_text"]), max_length=spec["max_length"])
    out = {}
    for size in SIZES:
        for storage in ("float32", "float16"):
            args = ModelArguments(vectors="glove-6b-50d", vocab_from_vectors=-1 if size is None else size,
                                  embedding_storage_dtype=storage, max_length=spec["max_length"])  # fmt: skip
            tokenizer, vectors = load_vocabulary_vectors(args, keras)
            model, _ = build_model(args, tokenizer, vectors, [spec["label"]])
            with tempfile.TemporaryDirectory() as folder:
                model.save_pretrained(folder)
                tokenizer.save_pretrained(folder)
                files = {name: os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)}

                def load(folder=folder):
                    AutoTokenizer.from_pretrained(folder)
                    AutoModelForSequenceClassification.from_pretrained(folder)

                seconds = best_of(3, load)
            out[f"{size_name(size)} {storage}"] = {
                "vocab_size": model.config.vocab_size, "vectors_words": len(tokenizer.vectors_words),
                "folder_mb": sum(files.values()) / 1e6, "model_mb": files["model.safetensors"] / 1e6,
                "load_seconds": seconds,
            }  # fmt: skip
    return out


WORKERS = {"ours": worker, "sizes": sizes_worker}
HEADER = ["workload", "preset", "setting", *[f"N = {size_name(s)}" for s in SIZES], "all, float16 table"]


def table_rows(workload: str, preset: str, runs: dict[str, list[dict]]) -> list[list]:
    rows = []
    for setting, results in runs.items():
        if not results:
            continue
        if setting == "notebook":
            cells = [mean_sd([r["roc_auc"]["all"] for r in results])] * len(SIZES)
            fp16 = "-"
        else:
            cells = [mean_sd([r["roc_auc"][size_name(s)] for r in results]) for s in SIZES]
            fp16 = mean_sd([r["roc_auc_float16_all"] for r in results])
        rows.append([workload, preset, setting, *cells, fp16])
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py vocab", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lstm", "gru", "bilstm"])
    parser.add_argument("--workload", default="jigsaw", choices=list(WORKLOAD_DEFAULTS))
    parser.add_argument(
        "--settings", nargs="+", default=["held-out", "notebook"], choices=["held-out", "notebook"]
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per training process")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once")
    parser.add_argument("--max_rows", type=int, help="first N rows (default: the workload's)")
    parser.add_argument(
        "--sizes", action="store_true", help="measure folder size and load time per N instead"
    )
    parser.add_argument("--json", default="benchmark_vocab.json")
    args = parser.parse_args(argv)
    make_file, label, max_rows, max_length = WORKLOAD_DEFAULTS[args.workload]
    spec = {
        "workload": args.workload, "file": str(make_file()), "label": label, "max_rows": args.max_rows or max_rows,
        "max_length": max_length, "epochs": args.epochs, "threads": args.threads, "vectors": "glove-6b-50d",
    }  # fmt: skip
    if args.sizes:
        sizes = run_child("bench_vocab", "sizes", {**spec, "threads": 2})
        sizes.pop("peak_rss_mb")
        rows = [[name, r["vocab_size"], r["vectors_words"], r["folder_mb"], r["model_mb"], r["load_seconds"]]
                for name, r in sizes.items()]  # fmt: skip
        header = [
            "N, table storage",
            "vocab_size",
            "from vectors",
            "folder MB",
            "model.safetensors MB",
            "load s",
        ]
        report(args.json, header, rows, spec, sizes)
        return 0
    results = {preset: {setting: [] for setting in args.settings} for preset in args.presets}
    tasks = [(p, setting, seed) for p in args.presets for seed in args.seeds for setting in args.settings]

    def run(task):
        preset, setting, seed = task
        result = run_child(
            "bench_vocab", "ours", {**spec, "preset": preset, "setting": setting, "seed": seed}
        )
        results[preset][setting].append({"seed": seed, **result})
        print(f"{args.workload} {preset} {setting} seed {seed}: {result['roc_auc']}", flush=True)
        write_json(args.json, {"settings": spec, "results": results})  # partial results survive a stop

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(run, tasks))
    rows = [row for preset, runs in results.items() for row in table_rows(args.workload, preset, runs)]
    report(args.json, HEADER, rows, spec, results)
    return 0
