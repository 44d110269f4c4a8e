"""Test data built on the fly and shared by several test modules: a learnable table with its vectors, the
train command's arguments on it, word2vec binary bytes, a folder's fingerprint, tiny models of each problem type
with the pipeline's scores for them, tiny saved folders (one that scores NaN, one of the default preset)."""

import hashlib
import random
from pathlib import Path

import numpy as np
import pandas as pd
from transformers import pipeline

from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.commands.train import parse_train_args

GOOD = ["thanks", "great", "helpful", "source", "agree", "fixed", "article", "citation", "welcome", "nice"]
BAD = ["idiot", "stupid", "moron", "loser", "pathetic"]
FILLER = ["the", "this", "edit", "page", "is", "a", "you", "section", "please", "again", "here", "today"]


def make_dataset(folder: Path, rows: int = 240, seed: int = 0) -> tuple[Path, Path]:
    """A CSV where ``toxic`` = the text holds a BAD word, and 8-d vectors that separate BAD from GOOD."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(rows):
        toxic = int(i % 4 == 0)
        words = rng.sample(FILLER, 4) + rng.sample(GOOD, 2) + ([rng.choice(BAD)] if toxic else [])
        rng.shuffle(words)
        records.append({"id": f"r{i}", "comment_text": " ".join(words).capitalize() + "!", "toxic": toxic})
    csv = folder / "train.csv"
    pd.DataFrame(records).to_csv(csv, index=False)
    vectors = folder / "vectors.txt"
    vector_rng = np.random.default_rng(seed)
    lines = []
    for word in GOOD + BAD + FILLER:
        values = vector_rng.normal(0, 0.1, 8)
        values[0] = 1.0 if word in BAD else -1.0 if word in GOOD else 0.0
        lines.append(word + " " + " ".join(f"{v:.5f}" for v in values))
    vectors.write_text("\n".join(lines) + "\n")
    return csv, vectors


def arguments(tmp_path: Path, *extra: str):
    csv, vectors = make_dataset(tmp_path)
    return parse_train_args(
        [
            "--train_file", str(csv), "--vectors", str(vectors), "--output_dir", str(tmp_path / "out"),
            "--preset", "gru", "--num_train_epochs", "4", "--learning_rate", "0.01", "--disable_tqdm", "true",
            "--per_device_train_batch_size", "16",
            "--no_vectors_cache", "--logging_strategy", "no", *extra,
        ]
    )  # fmt: skip


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with the sha256 of its content ("" for folders)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        for path in sorted(folder.rglob("*"))
    }


def word2vec_binary(
    words: list[bytes], matrix: np.ndarray, newline: bool = True, count: int | None = None
) -> bytes:
    header = f"{len(words) if count is None else count} {matrix.shape[1]}\n".encode()
    records = [
        w + b" " + matrix[i].astype("<f4").tobytes() + (b"\n" if newline else b"")
        for i, w in enumerate(words)
    ]
    return header + b"".join(records)


SCORING_TEXTS = ["thanks for the fix", "you idiot stop this", "", "a fine source"]
_THREE = {0: "toxic", 1: "insult", 2: "threat"}
# Config overrides -> the function pipeline("text-classification") applies by default (transformers' rule).
SCORING_CASES = {
    "one label": ({}, "sigmoid"),
    "one-output regression": ({"problem_type": "regression"}, "none"),
    "multi-output regression": ({"problem_type": "regression", "id2label": _THREE}, "none"),
    "multi-label": ({"problem_type": "multi_label_classification", "id2label": _THREE}, "sigmoid"),
    "single-label": ({"problem_type": "single_label_classification", "id2label": _THREE}, "softmax"),
    "several labels, no problem type": ({"id2label": _THREE}, "softmax"),
}


def scoring_model(overrides: dict):
    """A tiny GRU classifier (eval mode) and its tokenizer, fitted on `SCORING_TEXTS`."""
    tokenizer = RNNTokenizerFast.from_texts(SCORING_TEXTS, max_length=20)
    config = RNNConfig.from_preset(
        "gru", vocab_size=len(tokenizer), embedding_dim=6, hidden_size=5, max_length=20, **overrides
    )
    return RNNForSequenceClassification(config).eval(), tokenizer


def pipeline_scores(model, tokenizer, texts) -> list[list[float]]:
    """``pipeline("text-classification")``'s scores per text in label-id order: the reference for every scorer."""
    classify = pipeline("text-classification", model=model, tokenizer=tokenizer)
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    rows = [{item["label"]: item["score"] for item in row} for row in classify(list(texts), top_k=None)]
    return [[row[name] for name in names] for row in rows]


POISON = "poison"  # the word whose embedding is NaN in `nan_word_model`: rows holding it score NaN


def nan_word_model(folder: Path, texts: list[str], labels: dict[int, str] | None = None) -> Path:
    """A tiny saved bilstm whose scores are NaN for a text holding `POISON` (its embedding row is NaN)."""
    import torch

    tokenizer = RNNTokenizerFast.from_texts([*texts, POISON], max_length=20)
    torch.manual_seed(0)
    config = RNNConfig.from_preset(
        "bilstm", vocab_size=len(tokenizer), embedding_dim=6, hidden_size=5, max_length=20,
        id2label=labels or {0: "toxic"},
    )  # fmt: skip
    if len(config.id2label) > 1:
        config.problem_type = "multi_label_classification"
    model = RNNForSequenceClassification(config)
    with torch.no_grad():
        model.get_input_embeddings().weight[tokenizer.convert_tokens_to_ids(POISON)] = float("nan")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def default_preset_model(folder: Path, texts: list[str], labels: dict[int, str] | None = None) -> Path:
    """A tiny saved model of the default preset (``bilstm_ngrams``: BiLSTM, hashed n-grams and the raw text's
    n-grams, ``text_features.json``) with random weights in every part, fitted on ``texts``."""
    import torch

    tokenizer = RNNTokenizerFast.from_texts(texts, max_length=20, text_features=True)
    vocabulary = tokenizer.text_features
    torch.manual_seed(0)
    config = RNNConfig.from_preset(
        "bilstm_ngrams", vocab_size=len(tokenizer), embedding_dim=6, hidden_size=5, max_length=20,
        ngram_buckets=64, text_feature_size=vocabulary.size, text_feature_groups=vocabulary.group_starts,
        recurrent_logit_scale=0.3, id2label=labels or {0: "toxic"},
    )  # fmt: skip
    if len(config.id2label) > 1:
        config.problem_type = "multi_label_classification"
    model = RNNForSequenceClassification(config)
    with torch.no_grad():
        model.text_features.feature_weights.weight.normal_()
        model.text_features.idf.uniform_(1.0, 3.0)
        model.text_features.bias.fill_(-1.0)
        model.ngrams.word_weights.weight.normal_()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def comments_table(path: Path, rows: int, poison_rows: tuple[int, ...] = ()) -> Path:
    """``rows`` comments (id, comment_text, toxic) as CSV / TSV / JSON lines / parquet by ``path``'s suffix;
    the rows in ``poison_rows`` hold `POISON`, a few have no text."""
    rng = random.Random(1)
    texts = []
    for i in range(rows):
        words = rng.sample(FILLER, rng.randint(0, 6)) + rng.sample(GOOD + BAD, rng.randint(0, 3))
        texts.append(" ".join(words + ([POISON] if i in poison_rows else [])))
    frame = pd.DataFrame({"id": [f"c{i:05d}" for i in range(rows)], "comment_text": texts})
    frame["toxic"] = [int(any(word in text for word in BAD)) for text in texts]
    suffix = path.suffix
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")
    return path
