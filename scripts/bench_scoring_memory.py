"""Scoring big tables: peak memory and rows/s of `rnn-models predict --file --output` as the table grows.

    python scripts/bench_scoring_memory.py --rows 100000 1000000 [--baseline /path/to/other/checkout]
        [--json benchmarks/scoring_memory_cpu.json]

Each measurement runs the real command line (``python -m rnn_models predict``) in a child process with
``PYTHONPATH`` set to a checkout: this one, and with ``--baseline`` another one (the whole-table path
before chunked scoring) on the ``--baseline_rows`` sizes. Peak RSS is the child's own maximum resident set
(``os.wait4``); rows/s is rows over the child's wall time (start-up and model loading included). The
model: the notebook's ``lstm`` preset, 300-d embeddings (random: speed and memory do not depend on the
values), its tokenizer fitted on the comments. The table: the real Jigsaw comments (``../shared/data``)
repeated to each size, ids ``r0``, ``r1``, ... The outputs of the two checkouts are compared byte for byte.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import report

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "jigsaw_train_dev.csv"


def build_model(folder: Path, texts: list[str]) -> Path:
    """The notebook ``lstm`` preset with a tokenizer fitted on ``texts``, saved once."""
    if (folder / "config.json").is_file():
        return folder
    import torch

    from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast

    tokenizer = RNNTokenizerFast.from_texts(texts)
    torch.manual_seed(0)
    config = RNNConfig.from_preset("lstm", vocab_size=len(tokenizer), embedding_dim=300)
    RNNForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_table(path: Path, texts: list[str], rows: int) -> Path:
    """``rows`` comments (``texts`` repeated) as CSV ``id,comment_text``, written in pieces."""
    if path.is_file():
        return path
    import pandas as pd

    tmp = path.with_suffix(".tmp")
    step = 200_000
    for start in range(0, rows, step):
        ids = range(start, min(rows, start + step))
        frame = pd.DataFrame(
            {"id": [f"r{i}" for i in ids], "comment_text": [texts[i % len(texts)] for i in ids]}
        )
        frame.to_csv(tmp, mode="a" if start else "w", header=not start, index=False)
    tmp.replace(path)
    return path


def measure(checkout: Path, model: Path, table: Path, output: Path, rows: int, extra: list[str]) -> dict:
    """One ``predict`` run of ``checkout``'s code: wall seconds, peak RSS of the child, rows/s."""
    output.unlink(missing_ok=True)
    command = [sys.executable, "-m", "rnn_models", "predict", "--model", str(model), "--file", str(table)]
    command += ["--output", str(output), "--disable_tqdm", *extra]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    # cwd outside any checkout: `python -m` puts the current folder first on sys.path, before PYTHONPATH.
    child = subprocess.Popen(
        command, env=env, cwd=output.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    stderr = child.stderr.read().decode()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"predict failed ({checkout}, {rows:,} rows):\n{stderr[-3000:]}")
    return {
        "code": str(checkout),
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--baseline", help="another checkout to run the same command with (the old path)")
    parser.add_argument("--baseline_rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--chunk_rows", type=int, default=10_000)
    parser.add_argument("--work_dir", default="/tmp/bench_scoring_memory")
    parser.add_argument("--json", default="benchmarks/scoring_memory_cpu.json")
    args = parser.parse_args()
    import pandas as pd

    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    texts = pd.read_csv(DATA, keep_default_na=False)["comment_text"].astype(str).tolist()
    model = build_model(work / "lstm", texts)
    results, rows_out = {}, []
    runs = [("chunked", ROOT, n, ["--chunk_rows", str(args.chunk_rows)]) for n in args.rows]
    if args.baseline:
        runs += [("whole_table", Path(args.baseline), n, []) for n in args.baseline_rows]
    for name, checkout, rows, extra in runs:
        table = build_table(work / f"comments_{rows}.csv", texts, rows)
        result = measure(checkout, model, table, work / f"scores_{name}_{rows}.csv", rows, extra)
        results.setdefault(name, {})[str(rows)] = result
        rows_out.append([name, rows, result["rows_per_s"], result["peak_rss_mb"], result["seconds"]])
        print(rows_out[-1], flush=True)
    for rows in set(args.rows) & set(args.baseline_rows if args.baseline else []):
        same = (work / f"scores_chunked_{rows}.csv").read_bytes() == (
            work / f"scores_whole_table_{rows}.csv"
        ).read_bytes()
        results.setdefault("outputs_identical", {})[str(rows)] = same
    spec = {
        "data": "../shared/data/jigsaw_train_dev.csv, comments repeated",
        "model": "preset lstm, embedding_dim 300, tokenizer fitted on the comments",
        "command": "python -m rnn_models predict --file comments.csv --output scores.csv --disable_tqdm",
        "chunk_rows": args.chunk_rows,
        "baseline": args.baseline,
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
    }
    report(args.json, ["path", "rows", "rows/s", "peak RSS MB", "seconds"], rows_out, spec, results)


if __name__ == "__main__":
    main()
