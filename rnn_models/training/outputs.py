"""The finished model folder: weights, tokenizer, code, eval_results.json, roc_curve.png, README.md.

Everything is written into a staging folder first and each file is then renamed into place, so an
interrupted run never leaves a half-written file behind.
"""

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .metrics import roc_auc_per_label

__all__ = ["atomic_write_text", "eval_results", "plot_roc_curves", "publish_folder", "summary_table"]


def atomic_write_text(path: str | Path, text: str) -> None:
    """Writes ``text`` to a temporary name beside ``path`` and renames it over ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def eval_results(
    metrics: dict[str, Any], scores: np.ndarray, labels: np.ndarray, label_names: Sequence[str]
) -> dict[str, Any]:
    """The ``eval_results.json`` payload: ROC AUC (macro and per label), loss and throughput.

    Example:
        >>> import numpy as np
        >>> result = eval_results({"eval_loss": 0.3}, np.array([[0.9], [0.2]]), np.array([1.0, 0.0]), ["toxic"])
        >>> result["roc_auc"], result["roc_auc_per_label"]
        (1.0, {'toxic': 1.0})
    """
    macro, per_label = roc_auc_per_label(scores, labels, label_names)
    keys = ("eval_loss", "eval_samples_per_second", "train_samples_per_second", "train_runtime", "epoch")
    return {
        "roc_auc": macro,
        "roc_auc_per_label": per_label,
        "num_validation_rows": len(scores),
        **{key.removeprefix("eval_"): metrics[key] for key in keys if key in metrics},
    }


def plot_roc_curves(
    scores: np.ndarray, labels: np.ndarray, label_names: Sequence[str], path: str | Path
) -> None:
    """Draws one ROC curve per label (with its AUC) into a PNG file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_auc_score, roc_curve

    labels = np.asarray(labels).reshape(len(scores), -1).round().astype(np.int32)
    scores = np.asarray(scores).reshape(len(labels), -1)
    figure, axes = plt.subplots(figsize=(5, 5), dpi=100)
    for i, name in enumerate(label_names):
        if len(np.unique(labels[:, i])) < 2:
            continue  # undefined for this label
        fpr, tpr, _ = roc_curve(labels[:, i], scores[:, i])
        axes.plot(fpr, tpr, label=f"{name} (AUC {roc_auc_score(labels[:, i], scores[:, i]):.4f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=0.8)
    axes.set(xlabel="False positive rate", ylabel="True positive rate", title="ROC curve (validation)")
    axes.legend(loc="lower right")
    figure.tight_layout()
    tmp = Path(path).with_name(f".{Path(path).name}.tmp.png")
    figure.savefig(tmp)
    plt.close(figure)
    os.replace(tmp, path)


def publish_folder(staging: Path, output_dir: Path) -> None:
    """Moves every file of ``staging`` into ``output_dir`` (each by an atomic rename), then removes it."""
    output_dir.mkdir(parents=True, exist_ok=True)
    for item in sorted(staging.iterdir()):
        target = output_dir / item.name
        if item.is_dir():
            if target.exists():
                shutil.rmtree(target)
            os.replace(item, target)
        else:
            os.replace(item, target)
    staging.rmdir()


def summary_table(results: dict[str, Any], output_dir: str | Path) -> str:
    """The final table the CLI prints: ROC AUC per label, throughput and where the model is.

    Example:
        >>> print(summary_table({"roc_auc": 0.9, "roc_auc_per_label": {"toxic": 0.9}}, "out"))
        label    ROC AUC
        -----  ---------
        toxic     0.9000
        macro     0.9000
        model folder: out
    """
    rows = [
        (name, "undefined" if auc is None else f"{auc:.4f}")
        for name, auc in results["roc_auc_per_label"].items()
    ]
    rows.append(("macro", f"{results['roc_auc']:.4f}"))
    width = max(len("label"), *(len(name) for name, _ in rows))
    lines = [f"{'label'.ljust(width)}  {'ROC AUC':>9}", f"{'-' * width}  {'-' * 9}"]
    lines += [f"{name.ljust(width)}  {value:>9}" for name, value in rows]
    for key, label in (
        ("train_samples_per_second", "train samples/s"),
        ("samples_per_second", "eval samples/s"),
    ):
        if key in results:
            lines.append(f"{label}: {results[key]:,.1f}")
    lines.append(f"model folder: {output_dir}")
    return "\n".join(lines)


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(payload, indent=2) + "\n")
