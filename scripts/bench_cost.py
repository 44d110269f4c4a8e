"""What the default preset costs beside NB-LR, the linear model it beats, as ratios from one run.

    python scripts/benchmark.py cost [--repeats 2] [--score_rows 20000] [--json benchmarks/cost_cpu.json]

Training (workload: the real comments of ``jigsaw_train_dev.csv`` with ``row < 12000``, the reference split,
label toxic): one default ``rnn-models train`` run (`rnn_models.training.job.train` + the saved folder, its
stages timed) against NB-LR fitted as a practitioner does (word 1-2 + ``char_wb`` 2-5 TF-IDF fitted on the
training texts, C by 5-fold CV over 1/32, 1/8, 1/2, 2, refitted on all training rows), each in a fresh process,
alternating ours / NB-LR ``--repeats`` times; the ratio is taken pair by pair. Imports are outside the timed
part on both sides.

Scoring (workload: ``--score_rows`` real comments, all of ``jigsaw_train_dev.csv`` repeated from its start as
needed): in one process, the folder trained above (`predict_scores`, in-process) against the NB-LR pipeline
fitted on the same training rows (vectorizers' ``transform`` + ``predict_proba``), alternating, best of
``--repeats``; the tokenizer alone (Keras ids + raw-text n-grams); and the recurrent part's share of this
machine's fp32 matrix-product peak while scoring (forward FLOPs of the recurrent layers over the tokens scored,
over the model's time without the tokenizer).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import cpu_model, fp32_matmul_peak_gflops, recurrent_flops_per_token, report, run_child

C_VALUES = [0.03125, 0.125, 0.5, 2.0]


def _split(file: str):
    import numpy as np

    from rnn_models.text.tables import load_table, reference_split

    train, valid = reference_split(load_table(file, "comment_text", ["toxic"]), ["toxic"], seed=42)
    return (
        list(train["comment_text"]),
        np.asarray(train["toxic"]),
        list(valid["comment_text"]),
        np.asarray(valid["toxic"]),
    )


def nb_lr_train_worker(spec: dict) -> dict:
    from bench_peers import nb_lr
    from sklearn.metrics import roc_auc_score

    xtrain, ytrain, xvalid, yvalid = _split(spec["file"])
    start = time.perf_counter()
    fit = nb_lr(xtrain, ytrain, xvalid, seed=42, c_grid=C_VALUES)
    return {
        "seconds": time.perf_counter() - start,
        "c": fit.c,
        "roc_auc": float(roc_auc_score(yvalid, fit.scores)),
    }


def ours_train_worker(spec: dict) -> dict:
    import warnings

    from rnn_models.commands.train import parse_train_args, save_run
    from rnn_models.training.job import train

    warnings.filterwarnings("ignore")
    options = ["--train_file", spec["file"], "--output_dir", spec["output_dir"], "--overwrite_output_dir", "true",
               "--disable_tqdm", "true", "--save_strategy", "no", *spec["ours"]]  # fmt: skip
    model_args, data_args, args = parse_train_args(options)
    start = time.perf_counter()
    run = train(model_args, data_args, args)
    results = save_run(run, model_args, data_args, args)
    return {
        "seconds": time.perf_counter() - start,
        "roc_auc": results["roc_auc"],
        "stages": run.stage_seconds,
    }


def _score_texts(rows: int) -> list[str]:
    import pandas as pd
    from bench_data import JIGSAW_CSV

    texts = pd.read_csv(JIGSAW_CSV, keep_default_na=False)["comment_text"].tolist()
    return (texts * (rows // len(texts) + 1))[:rows]


def _nb_lr_pipeline(file: str):
    """NB-LR fitted on the training rows at C = 1/8 (its usual choice there): a scorer of raw texts."""
    import scipy.sparse as sp
    from bench_peers import _logistic, _vectorizers, nb_ratio

    xtrain, ytrain, _, _ = _split(file)
    vectorizers = _vectorizers("word+char")
    x = sp.hstack([v.fit_transform(xtrain) for v in vectorizers]).tocsr()
    r = sp.diags(nb_ratio(x, ytrain))
    model = _logistic(0.125, 42).fit(x @ r, ytrain)
    return lambda texts: model.predict_proba(sp.hstack([v.transform(texts) for v in vectorizers]).tocsr() @ r)


def score_worker(spec: dict) -> dict:
    import torch

    from rnn_models.serving.inference import load_model, predict_scores

    texts = _score_texts(spec["score_rows"])
    nb_lr = _nb_lr_pipeline(spec["file"])
    model, tokenizer = load_model(spec["output_dir"])
    timings = {"nb_lr": [], "ours": [], "ours_token_batches": [], "tokenizer": []}
    predict_scores(model, tokenizer, texts[:512])  # warm-up
    scorers = {
        "ours": lambda: predict_scores(model, tokenizer, texts),
        # variant: up to 4,096 short comments a batch, at most 65,536 padded tokens (fewer recurrent steps)
        "ours_token_batches": lambda: predict_scores(
            model, tokenizer, texts, batch_size=4096, max_batch_tokens=65536
        ),
        "nb_lr": lambda: nb_lr(texts),
        "tokenizer": lambda: tokenizer(texts, truncation=True),
    }
    for _ in range(spec["repeats"]):
        for name, score in scorers.items():
            start = time.perf_counter()
            score()
            timings[name].append(time.perf_counter() - start)
    best = {name: min(seconds) for name, seconds in timings.items()}
    tokens = sum(
        min(len(ids), model.config.max_length) for ids in tokenizer(texts, truncation=True)["input_ids"]
    )
    flops = recurrent_flops_per_token(model.config) * tokens
    peak = fp32_matmul_peak_gflops()
    model_seconds = best["ours"] - best["tokenizer"]
    return {
        "rows": len(texts), "tokens": tokens, "seconds": best, "all_seconds": timings, "torch_threads": torch.get_num_threads(),
        "fp32_peak_gflops": peak, "recurrent_gflop": flops / 1e9,
        "recurrent_share_of_peak": flops / 1e9 / model_seconds / peak if model_seconds > 0 else None,
    }  # fmt: skip


WORKERS = {"nb_lr_train": nb_lr_train_worker, "ours_train": ours_train_worker, "score": score_worker}


def main(argv: list[str]) -> int:
    from bench_quality import jigsaw_notebook_rows

    parser = argparse.ArgumentParser(prog="benchmark.py cost", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="training pairs, and scoring passes per side")
    parser.add_argument("--score_rows", type=int, default=20_000)
    parser.add_argument("--ours", nargs="*", default=[], help="extra `rnn-models train` options for our runs")
    parser.add_argument("--json", default="benchmark_cost.json")
    args = parser.parse_args(argv)
    output_dir = tempfile.mkdtemp(prefix="bench-cost-")
    spec = {"file": str(jigsaw_notebook_rows()), "output_dir": output_dir, "ours": args.ours,
            "repeats": args.repeats, "score_rows": args.score_rows, "cpu_model": cpu_model()}  # fmt: skip
    pairs = []
    for _ in range(args.repeats):
        pairs.append({"ours": run_child("bench_cost", "ours_train", spec),
                      "nb_lr": run_child("bench_cost", "nb_lr_train", spec)})  # fmt: skip
        print(
            f"train: ours {pairs[-1]['ours']['seconds']:.1f} s, NB-LR {pairs[-1]['nb_lr']['seconds']:.1f} s",
            flush=True,
        )
    scoring = run_child("bench_cost", "score", spec)
    ratios = sorted(p["ours"]["seconds"] / p["nb_lr"]["seconds"] for p in pairs)
    seconds = scoring["seconds"]
    rows = [
        ("train, row < 12000 (s)", f"{min(p['ours']['seconds'] for p in pairs):.1f}",
         f"{min(p['nb_lr']['seconds'] for p in pairs):.1f}", f"{ratios[len(ratios) // 2]:.2f}x (pairs {', '.join(f'{r:.2f}' for r in ratios)})"),
        (f"score {scoring['rows']:,} comments (rows/s)", f"{scoring['rows'] / seconds['ours']:,.0f}",
         f"{scoring['rows'] / seconds['nb_lr']:,.0f}", f"{seconds['nb_lr'] / seconds['ours']:.2f}x NB-LR's speed"),
        ("  batches of <= 65,536 padded tokens (rows/s)", f"{scoring['rows'] / seconds['ours_token_batches']:,.0f}",
         "", f"{seconds['nb_lr'] / seconds['ours_token_batches']:.2f}x NB-LR's speed"),
        ("of which tokenizer (rows/s)", f"{scoring['rows'] / seconds['tokenizer']:,.0f}", "", ""),
        ("recurrent part, share of fp32 peak", f"{scoring['recurrent_share_of_peak']:.1%}",
         f"peak {scoring['fp32_peak_gflops']:.0f} GFLOP/s", ""),
    ]  # fmt: skip
    print(f"CPU: {spec['cpu_model']}; ours' stages (s): {pairs[-1]['ours']['stages']}")
    report(
        args.json,
        ["work", "default bilstm_ngrams", "NB-LR", "ratio"],
        rows,
        spec,
        {"train": pairs, "score": scoring},
    )
    return 0
