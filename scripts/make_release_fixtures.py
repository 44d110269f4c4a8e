"""Writes ``tests/data/release_0_1_0/``: one small saved folder of each model family as rnn-models 0.1.0 wrote it.

The folders were made by the code of commit 7e36025 (before the package moved into layer folders) and are
kept as they came out: tests load them with and without ``trust_remote_code`` and compare the scores with
``scores.json``, so a folder that users saved or pushed with that release keeps loading and scoring the same.
Re-running this script with later code writes what that code saves, which is not the point of the fixture:
run it only to add a family, from the release whose folders the tests should keep loading.

    python scripts/make_release_fixtures.py tests/data/release_0_1_0
"""

import json
import sys
from pathlib import Path

import torch
from transformers import pipeline

from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.keras import convert_keras

TEXTS = [
    "you are a great person, thank you",
    "shut up you stupid idiot",
    "",
    "Unknown words are dropped; the rest: great, stupid, person!",
    "f*ck off, id1ot",
]
TRAINING_TEXTS = [
    "you are a great person",
    "thank you for the edit",
    "shut up you stupid idiot",
    "the rest of the article is great",
    "stupid person, go away",
]
KERAS2 = Path(__file__).resolve().parents[1] / "tests" / "data" / "keras2"
TINY = {"vocab_size": 0, "embedding_dim": 6, "hidden_size": 4}


def randomized(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Every parameter and floating buffer drawn at random, so every part of the model moves the scores."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            if tensor.is_floating_point():
                tensor.copy_(torch.randn(tensor.shape, generator=generator) * 0.5)
    return model


def trained_family(out: Path, preset: str, seed: int, **overrides) -> None:
    tokenizer = RNNTokenizerFast.from_texts(TRAINING_TEXTS, max_length=40)
    config = RNNConfig.from_preset(preset, **{**TINY, "vocab_size": tokenizer.embedding_rows, **overrides})
    model = randomized(RNNForSequenceClassification(config), seed).eval()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def scores(folder: Path) -> list[list[float]]:
    classify = pipeline("text-classification", model=str(folder), top_k=None, function_to_apply="sigmoid")
    return [[row["score"] for row in sorted(result, key=lambda r: r["label"])] for result in classify(TEXTS)]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    trained_family(out / "notebook_lstm", "lstm", seed=1)
    trained_family(out / "default_bilstm_ngrams", "bilstm_ngrams", seed=2, ngram_buckets=64)
    convert_keras(KERAS2 / "bilstm_stack_dense_bn.h5", out / "converted_keras_head",
                  tokenizer=KERAS2 / "tokenizer_tf215.pickle", padding_side="right", truncation_side="right")  # fmt: skip
    recorded = {"texts": TEXTS, "scores": {f.name: scores(f) for f in sorted(out.iterdir()) if f.is_dir()}}
    (out / "scores.json").write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/release_0_1_0"))
