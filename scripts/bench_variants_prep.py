"""The notebook split for scripts/bench_variants.py, once: token ids, vocabulary, glove-6b-50d matrix, six labels.

    python scripts/bench_variants_prep.py CSV OUT.pkl [train+validation|train]

CSV: the real comments with ``row < 12000`` (``benchmark.py quality`` writes them under its cache folder).
"""

import sys

import numpy as np
import torch

from rnn_models.text.tables import load_table, reference_split
from rnn_models.text.tokenization_rnn import RNNTokenizerFast
from rnn_models.vectors import build_embedding_matrix, load_vectors

LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
path = sys.argv[1]
out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/variants.pkl"
fit_on = sys.argv[3] if len(sys.argv) > 3 else "train+validation"
table = load_table(path, "comment_text", LABELS)
train, valid = reference_split(table, ["toxic"], seed=42)
texts_tr, texts_va = list(train["comment_text"]), list(valid["comment_text"])
fit = texts_tr + texts_va if fit_on == "train+validation" else texts_tr
tok = RNNTokenizerFast.from_texts(fit, max_length=1500)
vectors = load_vectors("glove-6b-50d", vocab=tok, vocab_from_vectors=0)
matrix, cov = build_embedding_matrix(tok, vectors)
print(cov)


def enc(texts: list[str]) -> list[list[int]]:
    return list(tok(texts, truncation=True, max_length=1500)["input_ids"])


data = dict(
    ids_tr=enc(texts_tr),
    ids_va=enc(texts_va),
    y_tr=torch.tensor(np.stack([np.asarray(train[c]) for c in LABELS], 1), dtype=torch.float32),
    y_va=torch.tensor(np.stack([np.asarray(valid[c]) for c in LABELS], 1), dtype=torch.float32),
    words=[w for w, _ in sorted(tok.word_index.items(), key=lambda kv: kv[1])],
    matrix=torch.tensor(np.asarray(matrix, dtype=np.float32)),
)
torch.save(data, out)  # plain tensors, lists and strings: read back with weights_only=True
print(len(data["ids_tr"]), len(data["ids_va"]), matrix.shape)
