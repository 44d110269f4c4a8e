"""Serving speed: `predict_scores` (eager, packed) vs `torch.compile` vs ONNX Runtime, per preset.

    python scripts/benchmark.py serving [--presets lstm gru bilstm] [--rows 4000] [--join 1] [--json out.json]

Each backend scores the same texts end to end (tokenize, sort, batch of 256, score) in its own child
process, after one warm-up pass; the best of ``--repeats`` runs counts. Data: real Jigsaw comments by
default (``--workload vader`` for snippets). The models are the reference
presets with a random 300-d embedding matrix (speed does not depend on the weights' values). Every
backend's scores are checked against the eager ones before they are timed.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import best_of, format_table, report, run_child
from bench_data import WORKLOADS, workload

BACKENDS = ["eager", "compile", "onnx"]


def worker(spec: dict) -> dict:
    import warnings

    import numpy as np
    import torch
    from bench_train import DIM, load_texts

    from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
    from rnn_models.serving.inference import predict_scores

    warnings.filterwarnings("ignore")
    texts, _ = load_texts(spec["file"], spec["text_column"], spec["label_column"], spec["rows"], spec["join"])
    tokenizer = RNNTokenizerFast.from_texts(texts, max_length=1500)
    torch.manual_seed(0)
    config = RNNConfig.from_preset(spec["preset"], vocab_size=len(tokenizer), embedding_dim=DIM)
    model = RNNForSequenceClassification(config).eval()
    expected = predict_scores(model, tokenizer, texts[:512])
    if spec["backend"] == "onnx":
        from rnn_models.serving.onnx_serving import OnnxClassifier

        onnx = OnnxClassifier.from_model(model)
        score = lambda batch: onnx.predict_scores(tokenizer, batch)  # noqa: E731
    else:
        if spec["backend"] == "compile":
            model.forward = torch.compile(model.forward, dynamic=True)
        score = lambda batch: predict_scores(model, tokenizer, batch)  # noqa: E731
    max_abs_diff = float(np.abs(score(texts[:512]) - expected).max())  # also the warm-up / compilation
    seconds = best_of(spec["repeats"], lambda: score(texts))
    return {"samples_per_s": len(texts) / seconds, "max_abs_diff": max_abs_diff}


WORKERS = {"serving": worker}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py serving", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lstm", "gru", "bilstm"])
    parser.add_argument("--backends", nargs="+", default=BACKENDS, choices=BACKENDS)
    parser.add_argument("--workload", default="jigsaw", choices=WORKLOADS, help="named data (bench_data.py)")
    parser.add_argument("--file", help="a CSV with comment_text and toxic instead of the workload")
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument(
        "--join", type=int, default=1, help="snippets joined per text (4: comment-like length)"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default="benchmark_serving.json")
    args = parser.parse_args(argv)
    file, text_column, label_column = (
        (args.file, "comment_text", "toxic") if args.file else workload(args.workload)
    )
    spec = {
        "file": file, "text_column": text_column, "label_column": label_column, "rows": args.rows,
        "join": args.join, "repeats": args.repeats,
    }  # fmt: skip
    header = ["preset", "backend", "samples/s", "x eager", "max |score diff|"]
    rows, results = [], {}
    for preset in args.presets:
        for backend in args.backends:
            result = run_child("bench_serving", "serving", {**spec, "preset": preset, "backend": backend})
            results.setdefault(preset, {})[backend] = result
            eager = results[preset].get("eager", {}).get("samples_per_s", float("nan"))
            rows.append([
                preset, backend, result["samples_per_s"], result["samples_per_s"] / eager,
                f"{result['max_abs_diff']:.1e}",
            ])  # fmt: skip
            print(format_table(header, rows[-1:]), flush=True)
    report(args.json, header, rows, spec, results)
    return 0
