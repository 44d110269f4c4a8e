"""Every figure a card may quote is read back from its committed result file, and the card's words follow them."""

import json
import statistics
from pathlib import Path

import pytest

from rnn_models.hub import measured
from rnn_models.hub.measured import KERAS_MEASURED, MEASURED, PEERS, Measured, comparison_text

ROOT = Path(__file__).resolve().parents[2]
FIGURES = [
    *(
        (f"{task} {preset}", figure)
        for task, figures in MEASURED.items()
        for preset, figure in figures.items()
    ),
    *((f"{task} {peer}", figure) for peer, figures in PEERS.items() for task, figure in figures.items()),
    *((f"keras {preset}", figure) for preset, figure in KERAS_MEASURED.items()),
]


def runs_in(figure: Measured) -> tuple[list[int], list[float]] | float:
    """The seeds and ROC AUCs of ``figure.entry`` in its file, or a deterministic peer's one ROC AUC."""
    data = json.loads((ROOT / figure.source).read_text(encoding="utf-8"))
    if "variants" in data:  # benchmarks/quality_cpu.json: one entry per variant, with its runs
        runs = data["variants"][figure.entry]["runs"]
    elif figure.entry in data["results"].get("peers", {}):
        return data["results"]["peers"][figure.entry]["roc_auc"]
    else:
        runs = data["results"][figure.entry]["ours"]
    return [run["seed"] for run in runs], [run["roc_auc"] for run in runs]


@pytest.mark.parametrize("figure", [figure for _, figure in FIGURES], ids=[name for name, _ in FIGURES])
def test_every_figure_is_its_result_file_rounded(figure):
    found = runs_in(figure)
    if isinstance(found, float):
        assert (figure.seeds, figure.sd, figure.roc_auc) == ((), None, round(found, 4))
        return
    seeds, values = found
    assert tuple(sorted(seeds)) == figure.seeds and figure.roc_auc == round(statistics.mean(values), 4)
    assert figure.sd == (round(statistics.stdev(values), 4) if len(values) > 1 else None)


def test_the_bag_of_ngrams_card_says_only_what_the_table_says():
    text = comparison_text("bilstm_ngrams (bag only)")
    assert (
        "| `bilstm_ngrams (bag only)` (rnn-models) | 0.9584 ± 0.0026 (5 seeds) | 0.9671 (seed 42) |" in text
    )
    assert (
        "`bilstm_ngrams (bag only)` is level with TF-IDF + logistic regression and below NB-LR (NBSVM)"
        in text
    )
    assert "over the six labels, below TF-IDF + logistic regression and below NB-LR (NBSVM)" in text
    assert "jigsaw_train_dev.csv" in text and "`benchmarks/peers_cpu.json`" in text
    assert "default" not in comparison_text("bigru_ngrams (bag only)")


def test_the_words_follow_the_figures(monkeypatch):
    better = Measured(0.9700, "benchmarks/x.json", "x", (42, 43), 0.001)
    monkeypatch.setitem(measured.MEASURED["toxic"], "lstm", better)
    assert "is above TF-IDF + logistic regression and above NB-LR (NBSVM)" in comparison_text("lstm")


def test_a_notebook_preset_names_the_notebooks_own_figure_as_not_ours():
    text = comparison_text("lstm")
    assert "| Keras 3 `lstm` | 0.9216 (seed 42) |" in text
    assert "ROC AUC 0.9598, comes from its run with GloVe 840B 300-d vectors" in text
    assert "not a run of rnn-models" in text
    assert comparison_text(None) == "rnn-models has no measured comparison for this configuration."


def test_the_default_card_states_its_own_workload_and_what_its_runs_measured():
    text = comparison_text("bilstm_ngrams")
    assert "| `bilstm_ngrams` (rnn-models) | 0.9734 ± 0.0004 (5 seeds) | 0.9797 (seed 42) |" in text
    assert "`bilstm_ngrams`: tokenizer and raw-text features fitted on the training texts only" in text
    assert "`bilstm_ngrams` is above TF-IDF + logistic regression and above NB-LR (NBSVM)" in text
    assert "over the six labels, above TF-IDF + logistic regression and above NB-LR (NBSVM)" in text
