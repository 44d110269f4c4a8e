"""The measured figures a model card may quote, as data: each names its workload and the committed result file
it comes from (``benchmarks/`` in rnn-models' repository), and the comparison text is derived from them.

A figure changes here when its result file changes (``tests/hub/test_measured.py`` reads every figure back
from its file); a card never states more than these figures say.
"""

from dataclasses import dataclass

__all__ = [
    "COMPARISON_WORKLOAD",
    "MEASURED",
    "NOTEBOOK_PUBLISHED",
    "PEERS",
    "Measured",
    "comparison_text",
]


@dataclass(frozen=True)
class Measured:
    """One measured ROC AUC: the mean over ``seeds`` training seeds (with their standard deviation ``sd``), or
    a single deterministic run (``seeds`` empty); ``entry`` is its name inside ``source``."""

    roc_auc: float
    source: str
    entry: str
    seeds: tuple[int, ...] = ()
    sd: float | None = None
    note: str = ""  # how this figure's workload differs from COMPARISON_WORKLOAD, if it does

    def text(self) -> str:
        """``0.9584 ± 0.0026 (5 seeds)``, ``0.9671 (seed 42)`` or ``0.9583``."""
        if len(self.seeds) > 1:
            return f"{self.roc_auc:.4f} ± {self.sd:.4f} ({len(self.seeds)} seeds)"
        return f"{self.roc_auc:.4f}" + (f" (seed {self.seeds[0]})" if self.seeds else "")


COMPARISON_WORKLOAD = (
    "real Jigsaw comments (`jigsaw_train_dev.csv` rows with `row < 12000`: 9,065 training and 2,267 validation "
    "rows), stratified 80/20 split (random_state 42), tokenizer fitted on train + validation, glove-6b-50d "
    "vectors, `max_length` 1500, 5 epochs, batch 64, Adam at 1e-3"
)
_METRICS = {
    "toxic": "ROC AUC of the label `toxic`",
    "six_labels": "the mean ROC AUC over the six labels of the 2018 competition",
}
_SEEDS = (42, 43, 44, 45, 46)
# rnn-models' presets, by task ("toxic": the label toxic; "six_labels": mean column ROC AUC), on that workload.
# The default presets since the raw-text features (issue 28) were measured on the deployment default instead.
_DEPLOYED = "tokenizer and raw-text features fitted on the training texts only, the preset's 3 epochs"
MEASURED = {
    "toxic": {
        "bilstm_ngrams": Measured(
            0.9734, "benchmarks/quality_default_r12k_cpu.json", "bilstm_ngrams", _SEEDS, 0.0004, _DEPLOYED
        ),
        "bilstm_ngrams (bag only)": Measured(0.9584, "benchmarks/quality_bilstm_ngrams_cpu.json", "bilstm_ngrams", _SEEDS, 0.0026),
        "bigru_ngrams (bag only)": Measured(0.9587, "benchmarks/quality_bigru_ngrams_cpu.json", "bigru_ngrams", _SEEDS, 0.0039),
        "lstm": Measured(0.9218, "benchmarks/quality_cpu.json", "lstm ours, defaults (group_by_length)", _SEEDS, 0.0058),
        "gru": Measured(0.9374, "benchmarks/quality_cpu.json", "gru ours, defaults", _SEEDS[:3], 0.0068),
        "bilstm": Measured(0.9369, "benchmarks/quality_cpu.json", "bilstm ours, defaults", _SEEDS[:3], 0.0035),
    },
    "six_labels": {
        "bilstm_ngrams": Measured(0.9797, "benchmarks/quality_default_six_labels_cpu.json", "bilstm_ngrams", (42,), note=_DEPLOYED),
        "bilstm_ngrams (bag only)": Measured(0.9671, "benchmarks/quality_six_labels_bilstm_ngrams_cpu.json", "bilstm_ngrams", (42,)),
        "bigru_ngrams (bag only)": Measured(0.9671, "benchmarks/quality_six_labels_cpu.json", "bigru_ngrams", (42,)),
        "lstm": Measured(0.9212, "benchmarks/quality_six_labels_cpu.json", "lstm", (42,)),
    },
}  # fmt: skip
# Linear peers on the same split (vectorizers fitted on the training texts, C by 5-fold cross-validation).
PEERS = {
    "TF-IDF + logistic regression": {
        "toxic": Measured(0.9583, "benchmarks/peers_cpu.json", "tfidf_lr"),
        "six_labels": Measured(0.9757, "benchmarks/peers_cpu_six_labels.json", "tfidf_lr"),
    },
    "NB-LR (NBSVM)": {
        "toxic": Measured(0.9688, "benchmarks/peers_cpu.json", "nb_lr"),
        "six_labels": Measured(0.9788, "benchmarks/peers_cpu_six_labels.json", "nb_lr"),
    },
}
# The notebook models run by Keras 3 (JAX backend) on the same workload, one seed each.
KERAS_MEASURED = {
    "lstm": Measured(0.9216, "benchmarks/quality_cpu.json", "lstm Keras 3 (JAX backend)", (42,)),
    "gru": Measured(0.9385, "benchmarks/quality_cpu.json", "gru Keras 3 (JAX backend, 2 threads)", (42,)),
    "bilstm": Measured(
        0.9230, "benchmarks/quality_cpu.json", "bilstm Keras 3 (JAX backend, 2 threads)", (42,)
    ),
}
# ROC AUC (toxic) that the Keras notebook rnn-models reproduces published for its own runs: not runs of rnn-models.
NOTEBOOK_PUBLISHED = {"lstm": 0.9598, "gru": 0.9717, "bilstm": 0.9667}
NOTEBOOK_PUBLISHED_SOURCE = (
    "comes from its run with GloVe 840B 300-d vectors on the first 12,000 rows of the Kaggle "
    "training file (label `toxic`, 20% stratified split): not a run of rnn-models, and not comparable with the "
    "table"
)


def _verdict(ours: Measured, other: Measured) -> str:
    if ours.sd is not None and abs(ours.roc_auc - other.roc_auc) <= ours.sd:
        return "level with"  # within one standard deviation of our seeds
    return "above" if ours.roc_auc > other.roc_auc else "below"


def _others(preset: str, task: str) -> dict[str, Measured]:
    """What the preset is compared with on ``task``: the peers, and Keras's run of the same model if any."""
    others = {name: figures[task] for name, figures in PEERS.items()}
    if task == "toxic" and preset in KERAS_MEASURED:
        others[f"Keras 3 `{preset}`"] = KERAS_MEASURED[preset]
    return others


def comparison_text(preset: str | None) -> str:
    """The card's comparison section for a model trained with ``preset``: the measured table and what it says.

    Example:
        >>> print(comparison_text("bilstm_ngrams (bag only)").splitlines()[-1])
        On `toxic`, `bilstm_ngrams (bag only)` is level with TF-IDF + logistic regression and below NB-LR (NBSVM); over the six labels, below TF-IDF + logistic regression and below NB-LR (NBSVM).
    """
    if preset not in MEASURED["toxic"]:
        return "rnn-models has no measured comparison for this configuration."
    tasks = [task for task in MEASURED if preset in MEASURED[task]]
    rows = {f"`{preset}` (rnn-models)": {task: MEASURED[task][preset] for task in tasks}}
    for task in tasks:
        for name, figure in _others(preset, task).items():
            rows.setdefault(name, {})[task] = figure
    headers = {"toxic": "ROC AUC, `toxic`", "six_labels": "mean ROC AUC, six labels"}
    table = [
        f"| model | {' | '.join(headers[task] for task in tasks)} |",
        "|---" + "|---:" * len(tasks) + "|",
    ]
    for name, figures in rows.items():
        cells = [figures[task].text() if task in figures else "–" for task in tasks]
        table.append(f"| {name} | {' | '.join(cells)} |")
    files = sorted({figure.source for figures in rows.values() for figure in figures.values()})
    said = {"toxic": f"On `toxic`, `{preset}` is", "six_labels": "over the six labels,"}
    verdicts = [
        f"{said[task]} "
        + " and ".join(
            f"{_verdict(MEASURED[task][preset], other)} {name}"
            for name, other in _others(preset, task).items()
        )
        for task in tasks
    ]
    parts = [
        f"Measured by rnn-models on one workload: {COMPARISON_WORKLOAD}; "
        f"{' and '.join(_METRICS[task] for task in tasks)}. Result files in "
        f"rnn-models' repository: {', '.join(f'`{name}`' for name in files)}."
        + "".join(
            f" `{preset}`: {note}."
            for note in dict.fromkeys(MEASURED[task][preset].note for task in tasks)
            if note
        ),
        "\n".join(table),
        "; ".join(verdicts) + ".",
    ]
    if preset in NOTEBOOK_PUBLISHED:
        parts.append(
            f"The Keras notebook's own figure for `{preset}`, ROC AUC {NOTEBOOK_PUBLISHED[preset]:.4f}, "
            f"{NOTEBOOK_PUBLISHED_SOURCE}."
        )
    return "\n\n".join(parts)
