"""The bag of n-grams' features alone, as a linear model fitted by scikit-learn: how far its features can go.

Builds, from ``bench_variants_prep.py``'s data (the quality workload's split and Keras token ids), the exact
features `rnn_models.model.bag_of_ngrams.NgramLogits` sums (each word's hashed ``<word>`` char 2-5 n-grams, the
words, the adjacent word pairs), weighted as the bag weights them (counts / sqrt(count), per family) or as
TF-IDF (sublinear tf, idf, L2 norm per family); fits logistic regression, plain and NB-scaled (Howard's
ratio), for several C; prints validation ROC AUC (label ``toxic``).

    python scripts/bench_variants_prep.py CSV /tmp/variants.pkl
    python scripts/bench_bag_features.py --data /tmp/variants.pkl
"""

import argparse
import itertools
import zlib

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

PAIR_PRIME = 1_000_003  # as bag_of_ngrams


def char_table(words: list[str], buckets: int, per_word: int) -> list[list[int]]:
    table = []
    for word in words:
        marked = f"<{word}>"
        grams = [
            1 + zlib.crc32(marked[s : s + n].encode()) % (buckets - 1)
            for n in range(2, 6)
            for s in range(len(marked) - n + 1)
        ]
        table.append(grams[:per_word] if word else [])
    return table


def family_counts(ids_list: list[list[int]], family: str, table, buckets: int, vocab: int) -> sp.csr_matrix:
    rows, cols, vals = [], [], []
    for i, ids in enumerate(ids_list):
        if family == "char":
            features = [g for t in ids for g in table[t]]
        elif family == "word":
            features = list(ids)
        else:
            features = [1 + (a * PAIR_PRIME + b) % (buckets - 1) for a, b in itertools.pairwise(ids)]
        if features:
            unique, counts = np.unique(features, return_counts=True)
            rows += [i] * len(unique)
            cols += unique.tolist()
            vals += counts.tolist()
    width = vocab if family == "word" else buckets
    return sp.csr_matrix((np.array(vals, float), (rows, cols)), shape=(len(ids_list), width))


def weighted(train: sp.csr_matrix, valid: sp.csr_matrix, weighting: str):
    if weighting == "tfidf":
        transformer = TfidfTransformer(sublinear_tf=True).fit(train)
        return transformer.transform(train), transformer.transform(valid)
    scale = [sp.diags(1 / np.sqrt(np.maximum(np.asarray(m.sum(1)).ravel(), 1))) for m in (train, valid)]
    return scale[0] @ train, scale[1] @ valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/tmp/variants.pkl")
    parser.add_argument("--buckets", type=int, nargs="+", default=[2**18, 2**21])
    parser.add_argument("--per_word", type=int, nargs="+", default=[32, 100])
    args = parser.parse_args()
    data = torch.load(args.data, weights_only=True)
    words = ["", *data["words"]]
    ids_tr, ids_va = [x[-1500:] for x in data["ids_tr"]], [x[-1500:] for x in data["ids_va"]]
    y_tr, y_va = data["y_tr"][:, 0].numpy(), data["y_va"][:, 0].numpy()
    print("buckets  n-grams/word  weighting  C  plain LR  NB-LR")
    for buckets in args.buckets:
        for per_word in args.per_word:
            table = char_table(words, buckets, per_word)
            for weighting in ("bag", "tfidf"):
                parts = [
                    weighted(
                        *(family_counts(ids, family, table, buckets, len(words)) for ids in (ids_tr, ids_va)),
                        weighting,
                    )
                    for family in ("char", "word", "pair")
                ]
                train, valid = (
                    sp.hstack([p[0] for p in parts]).tocsr(),
                    sp.hstack([p[1] for p in parts]).tocsr(),
                )
                present = (train > 0).astype(float)
                p, q = 1 + present[y_tr == 1].sum(0), 1 + present[y_tr == 0].sum(0)
                ratio = np.asarray(np.log((p / p.sum()) / (q / q.sum()))).ravel()
                for c in (1, 4, 16):
                    aucs = []
                    for x_tr, x_va in (
                        (train, valid),
                        (train.multiply(ratio).tocsr(), valid.multiply(ratio).tocsr()),
                    ):
                        model = LogisticRegression(C=c, solver="liblinear", max_iter=1000).fit(x_tr, y_tr)
                        aucs.append(roc_auc_score(y_va, model.decision_function(x_va)))
                    print(
                        f"{buckets:>7}  {per_word:>12}  {weighting:>9}  {c:>2}  {aucs[0]:.4f}    {aucs[1]:.4f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
