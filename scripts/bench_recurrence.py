"""Recurrent cost against sequence length: packed sequences (before) vs the masked path (now), each with
subnormal floats kept or flushed to zero (as `RNNTrainer` trains).

    python scripts/benchmark.py recurrence [--presets lstm gru bilstm] [--lengths 64 256 1024]

One forward + backward of a 64-row batch per preset (300-d inputs, as with GloVe 840B), with the row
lengths spread over the upper half of T (the longest is T), as length-grouped batches of real comments
are; the loss reads the final states only, as a classifier's does. Best of ``--repeats``; a variant
is skipped at longer T once it took more than ``--budget_s`` seconds. A linear path keeps ms per step flat.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import fp32_matmul_peak_gflops, recurrent_flops_per_token, report

DIM = 300


def run_packed(layer, x, lengths, weights):
    """The packed-sequence path `RecurrentLayer` used before (called and returning as its ``_run_masked``)."""
    from torch.func import functional_call
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    from rnn_models.model.recurrent_layers import concat_final_states

    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    outputs, state = functional_call(layer.rnn, weights, (packed,))
    outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])
    return outputs, concat_final_states(state)


def time_step(layer, x, lengths, repeats: int, packed: bool, flush: bool) -> float:
    from contextlib import nullcontext

    from rnn_models.training.trainer import flush_denormals

    run = run_packed if packed else type(layer)._run_masked
    best = float("inf")
    with flush_denormals() if flush else nullcontext():
        for _ in range(repeats):
            start = time.perf_counter()
            _, final = run(layer, x, lengths, layer.recurrent_weights())
            final.sum().backward()
            best = min(best, time.perf_counter() - start)
            x.grad = None
    return best


VARIANTS = {  # name: (packed, flush subnormals)
    "packed": (True, False),
    "packed+flush": (True, True),
    "masked": (False, False),
    "masked+flush": (False, True),
}


def main(argv: list[str]) -> int:
    import torch

    from rnn_models import RNNConfig
    from rnn_models.model.recurrent_layers import RecurrentLayer

    parser = argparse.ArgumentParser(prog="benchmark.py recurrence", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["lstm", "gru", "bilstm"])
    parser.add_argument("--lengths", nargs="+", type=int, default=[64, 256, 1024])
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--budget_s", type=float, default=20.0)
    parser.add_argument("--json", default="benchmark_recurrence.json")
    args = parser.parse_args(argv)
    peak = fp32_matmul_peak_gflops()
    print(f"fp32 matmul peak here: {peak:.1f} GFLOP/s", flush=True)
    header = [
        "preset",
        "T",
        *(f"{name} ms/step" for name in VARIANTS),
        "packed / masked+flush",
        "GFLOP/s",
        "% peak",
    ]
    rows, results = [], {}
    for preset in args.presets:
        torch.manual_seed(0)
        config = RNNConfig.from_preset(preset, embedding_dim=DIM)
        layer = RecurrentLayer(config, DIM).train()
        flops = 3 * recurrent_flops_per_token(config)  # forward + backward
        warm_up = torch.randn(args.batch_size, 16, DIM, requires_grad=True)
        for packed, flush in VARIANTS.values():  # first calls allocate and pick kernels
            time_step(layer, warm_up, torch.full((args.batch_size,), 16), 1, packed, flush)
        over_budget = set()
        for length in args.lengths:
            lengths = torch.randint(length // 2, length + 1, (args.batch_size,))
            lengths[0] = length
            x = torch.randn(args.batch_size, length, DIM, requires_grad=True)
            seconds = {}
            for name, (packed, flush) in VARIANTS.items():
                skip = name in over_budget
                seconds[name] = (
                    float("nan") if skip else time_step(layer, x, lengths, args.repeats, packed, flush)
                )
                if seconds[name] > args.budget_s:
                    over_budget.add(name)
            gflops = flops * int(lengths.sum()) / seconds["masked+flush"] / 1e9
            per_step = [seconds[name] / length * 1e3 for name in VARIANTS]
            rows.append(
                [
                    preset,
                    length,
                    *per_step,
                    seconds["packed"] / seconds["masked+flush"],
                    gflops,
                    100 * gflops / peak,
                ]
            )
            results.setdefault(preset, {})[length] = {**seconds, "gflops": gflops}
            print(rows[-1], flush=True)
    report(args.json, header, rows, {**vars(args), "fp32_matmul_peak_gflops": peak}, results)
    return 0
