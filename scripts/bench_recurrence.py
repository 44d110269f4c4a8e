"""Recurrent cost against sequence length: the packed-sequence path (before) vs the masked path (now).

    python scripts/benchmark.py recurrence [--presets lstm gru bilstm] [--lengths 64 256 1024]

One forward + backward of a 64-row batch per preset (300-d inputs, as with GloVe 840B), with the row
lengths spread over the upper half of T (the longest is T), as length-grouped batches of real comments
are. Best of ``--repeats``; the old path is skipped at longer T once it took more than
``--old_budget_s`` seconds (its cost grows much faster than T). A linear path keeps ms per step flat.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import fp32_matmul_peak_gflops, recurrent_flops_per_token, report

DIM = 300


def time_step(layer, x, lengths, repeats: int, packed: bool) -> float:
    from rnn_models.recurrent_layers import run_packed

    run = run_packed if packed else type(layer)._run_masked
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        weights = layer.recurrent_weights()
        outputs, final = run(layer, x, lengths, weights)
        (outputs.sum() + final.sum()).backward()
        best = min(best, time.perf_counter() - start)
        x.grad = None
    return best


def main(argv: list[str]) -> int:
    import torch

    from rnn_models import RNNConfig
    from rnn_models.recurrent_layers import RecurrentLayer

    parser = argparse.ArgumentParser(prog="benchmark.py recurrence", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lstm", "gru", "bilstm"])
    parser.add_argument("--lengths", nargs="+", type=int, default=[64, 256, 1024])
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--old_budget_s", type=float, default=30.0)
    parser.add_argument("--json", default="benchmark_recurrence.json")
    args = parser.parse_args(argv)
    peak = fp32_matmul_peak_gflops()
    print(f"fp32 matmul peak here: {peak:.1f} GFLOP/s", flush=True)
    header = [
        "preset",
        "T",
        "old ms",
        "new ms",
        "old / new",
        "old ms/step",
        "new ms/step",
        "new GFLOP/s",
        "% of peak",
    ]
    rows, results = [], {}
    for preset in args.presets:
        torch.manual_seed(0)
        config = RNNConfig.from_preset(preset, embedding_dim=DIM)
        layer = RecurrentLayer(config, DIM).train()
        flops = 3 * recurrent_flops_per_token(config)  # forward + backward
        warm_up = torch.randn(args.batch_size, 16, DIM, requires_grad=True)
        for packed in (False, True):  # first calls allocate and pick kernels
            time_step(layer, warm_up, torch.full((args.batch_size,), 16), 1, packed)
        old_too_slow = False
        for length in args.lengths:
            lengths = torch.randint(length // 2, length + 1, (args.batch_size,))
            lengths[0] = length
            x = torch.randn(args.batch_size, length, DIM, requires_grad=True)
            new = time_step(layer, x, lengths, args.repeats, packed=False)
            old = float("nan") if old_too_slow else time_step(layer, x, lengths, args.repeats, packed=True)
            old_too_slow = old_too_slow or old > args.old_budget_s
            gflops = flops * int(lengths.sum()) / new / 1e9
            rows.append([
                preset, length, old * 1e3, new * 1e3, old / new, old / length * 1e3, new / length * 1e3,
                gflops, 100 * gflops / peak,
            ])  # fmt: skip
            results.setdefault(preset, {})[length] = {"old_s": old, "new_s": new, "new_gflops": gflops}
            print(rows[-1], flush=True)
    report(args.json, header, rows, {**vars(args), "fp32_matmul_peak_gflops": peak}, results)
    return 0
