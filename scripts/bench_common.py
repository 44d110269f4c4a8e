"""Shared pieces of the benchmark scripts: machine facts, timing, tables and JSON output."""

import gc
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def machine_facts() -> dict[str, Any]:
    """Facts that make absolute figures comparable: cores, torch threads, device, versions."""
    import torch

    facts: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "device": "cpu",
    }
    if torch.cuda.is_available():
        facts["device"] = torch.cuda.get_device_name(0)
    return facts


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``'s first ``model name``; ``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@contextmanager
def timer(results: dict[str, float], key: str):
    """Stores the wall-clock seconds of the ``with`` block in ``results[key]``."""
    start = time.perf_counter()
    yield
    results[key] = time.perf_counter() - start


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    """The fastest of ``repeats`` runs, in seconds (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fastest(runs: dict[str, Callable], repeats: int, collector: bool = False) -> dict[str, float]:
    """Best wall-clock seconds of each function, runs interleaved; the garbage collector is off while timing
    unless ``collector`` (as users run: its passes over every new list are then part of the time)."""
    times = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            gc.collect()
            if not collector:
                gc.disable()
            start = time.perf_counter()
            run()
            times[name] = min(times[name], time.perf_counter() - start)
            gc.enable()
    return times


def format_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table with right-aligned numbers, as the benchmarks print it."""
    cells = [[str(h) for h in header]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    """Writes ``payload`` atomically (temp file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str))
    tmp.replace(path)


def report(
    json_path: str | Path, header: Sequence[str], rows: Sequence[Sequence[Any]], spec: dict, results: dict
) -> None:
    """Prints the final table and the machine facts; writes them with the settings and results as JSON."""
    print()
    print(format_table(header, rows))
    facts = machine_facts()
    print(f"\nmachine: {facts}\nsettings: {spec}")
    write_json(json_path, {"machine": facts, "settings": spec, "results": results})


def run_child(module: str, worker: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Runs ``module.WORKERS[worker](spec)`` in a fresh interpreter; returns its dict plus peak RSS (MB).

    A fresh process per measurement keeps peak memory and library state (Keras vs ours) apart.
    """
    import subprocess
    import sys

    scripts = str(Path(__file__).resolve().parent)
    code = (
        f"import json, resource, sys; sys.path.insert(0, {scripts!r}); import {module} as m; "
        f"r = m.WORKERS[{worker!r}](json.loads(sys.argv[1])); "
        "r['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
        "print('RESULT', json.dumps(r))"
    )
    done = subprocess.run([sys.executable, "-c", code, json.dumps(spec)], capture_output=True, text=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"{module}.{worker} failed:\n{done.stderr[-3000:]}")
    return json.loads(line[len("RESULT ") :])


def fp32_matmul_peak_gflops(size: int = 2048, repeats: int = 5) -> float:
    """This machine's fp32 matrix-product rate with torch's current threads: the ceiling for our kernels."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    return 2 * size**3 / best_of(repeats, lambda: a @ b) / 1e9


def recurrent_flops_per_token(config) -> int:
    """Forward multiply-adds x 2 of the recurrent layers for one token (matrix products only).

    Backward costs about twice the forward, so a training step is about 3x this per token.
    """
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[config.cell]
    total, input_size = 0, config.embedding_dim
    for _ in range(config.num_layers):
        total += 2 * gates * config.hidden_size * (input_size + config.hidden_size) * config.num_directions
        input_size = config.encoder_output_size
    return total
