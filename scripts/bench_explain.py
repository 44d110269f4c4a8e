"""Explanations on real comments: their cost against plain predict, and their faithfulness (the deletion test).

    python scripts/benchmark.py explain [--presets bilstm_ngrams lstm] [--json benchmarks/explain_cpu.json]

Workload: the real comments of ``jigsaw_train_dev.csv`` with ``row < 12000`` (as ``benchmark.py quality``),
label toxic, the stratified 80/20 split with random_state 42; the tokenizer fitted on the training texts (the
deployment default), glove-6b-50d vectors, each preset's default epochs, seed 42. For each preset:

- **cost**: ``predict_scores`` and ``explain`` (every label, its default steps) on the same ``--cost_rows``
  validation comments (long-tailed: all lengths as they come), one after the other in this process, with the
  ratio of the two times; the share of texts whose contributions add up within 1%;
- **faithfulness**: on the validation comments the model scores toxic (> 0.5), the mean drop of the toxic
  score when the 3 words with the highest contribution are deleted, against 3 random words
  (`rnn_models.serving.faithfulness.deletion_test`), and the ratio.

Trained models are kept under ``--cache`` (reused on a later run: ``--retrain`` trains again).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import machine_facts, write_json
from bench_data import CACHE
from bench_quality import jigsaw_notebook_rows


def _split():
    from rnn_models.text.tables import load_table, reference_split

    table = load_table(str(jigsaw_notebook_rows()), "comment_text", ["toxic"])
    return reference_split(table, ["toxic"], max_rows=None, seed=42)


def trained_folder(preset: str, cache: Path, retrain: bool) -> Path:
    """A model of ``preset`` trained on the workload's training split (kept under ``cache``)."""
    from rnn_models.commands.train import save_run
    from rnn_models.training.job import DataArguments, ModelArguments, RNNTrainingArguments, train

    folder = cache / f"explain-{preset}"
    if (folder / "model.safetensors").exists() and not retrain:
        return folder
    model_args = ModelArguments(preset=preset, vectors="glove-6b-50d", max_length=1500)
    data_args = DataArguments(
        train_file=str(jigsaw_notebook_rows()), label_columns=["toxic"], fit_tokenizer_on="train"
    )
    args = RNNTrainingArguments(
        output_dir=str(folder), save_strategy="no", eval_strategy="no", disable_tqdm=True, seed=42,
        overwrite_output_dir=True,
    )  # fmt: skip
    run = train(model_args, data_args, args)
    save_run(run, model_args, data_args, args)
    return folder


def measure(folder: Path, cost_rows: int) -> dict:
    from rnn_models.serving.explanations import SMALL_DISTANCE, explain
    from rnn_models.serving.faithfulness import deletion_test
    from rnn_models.serving.inference import load_model, predict_scores

    model, tokenizer = load_model(str(folder), "cpu")
    _, valid = _split()
    texts = list(valid["comment_text"])
    sample = texts[:cost_rows]
    predict_scores(model, tokenizer, sample[:64])  # warm-up
    start = time.perf_counter()
    predict_scores(model, tokenizer, sample)
    predict_seconds = time.perf_counter() - start
    start = time.perf_counter()
    explained = explain(model, sample, tokenizer)
    explain_seconds = time.perf_counter() - start
    labels = [label for result in explained for label in result.labels.values()]
    distances = np.array([abs(label.logit - label.baseline_logit) for label in labels])
    misses = np.array([abs(label.residual) for label in labels])
    residuals = misses[distances > 0] / distances[distances > 0]
    scores = predict_scores(model, tokenizer, texts)[:, 0]
    flagged = [text for text, score in zip(texts, scores, strict=True) if score > 0.5]
    deletion = deletion_test(model, tokenizer, flagged, k=3, seed=0)
    tokens = [len(ids) for ids in tokenizer(sample)["input_ids"]]
    return {
        "cost": {
            "rows": len(sample),
            "tokens_median": float(np.median(tokens)),
            "tokens_max": int(max(tokens)),
            "predict_seconds": predict_seconds,
            "explain_seconds": explain_seconds,
            "explain_over_predict": explain_seconds / predict_seconds,
            "explain_rows_per_second": len(sample) / explain_seconds,
            "share_within_1_percent": float(np.mean(residuals <= 0.01)),
            "share_within_1_percent_or_small": float(
                np.mean(misses <= 0.01 * np.maximum(distances, SMALL_DISTANCE))
            ),
            "max_relative_residual": float(residuals.max(initial=0.0)),
            "max_abs_residual_where_missed": float(misses[misses > 0.01 * distances].max(initial=0.0)),
        },
        "faithfulness": deletion.to_dict(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py explain", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["bilstm_ngrams", "lstm"])
    parser.add_argument("--cost_rows", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--retrain", action="store_true")
    parser.add_argument("--json", default="benchmark_explain.json")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    results = {}
    for preset in args.presets:
        folder = trained_folder(preset, args.cache, args.retrain)
        results[preset] = measure(folder, args.cost_rows)
        cost, faith = results[preset]["cost"], results[preset]["faithfulness"]
        print(
            f"{preset}: explain {cost['explain_seconds']:.1f} s vs predict {cost['predict_seconds']:.2f} s on "
            f"{cost['rows']} comments ({cost['explain_over_predict']:.1f}x), "
            f"{cost['share_within_1_percent']:.1%} add up within 1%; deletion of 3 words on "
            f"{faith['texts']} flagged comments: top {faith['top_drop']:.3f} vs random {faith['random_drop']:.3f} "
            f"({faith['ratio']:.1f}x)"
        )
    spec = {
        "workload": "jigsaw_train_dev.csv row < 12000, label toxic, stratified 80/20 split random_state 42, "
        "tokenizer fitted on train, glove-6b-50d, preset default epochs, seed 42",
        "cost_rows": args.cost_rows,
        "threads": args.threads,
    }
    write_json(args.json, {"machine": machine_facts(), "settings": spec, "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
