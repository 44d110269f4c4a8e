"""NB-LR logits on the row < 12000 split, for `bench_variants.py --offset` and `bench_blend.py` (issue 28).

    python scripts/bench_offsets.py CSV OUT.npz [C] [LABELS]

``tr``: out-of-fold logits of the training rows (5 stratified folds, ratios from each fold's own rows);
``va``: the validation rows, scored by NB-LR fitted on all training rows. Features as `bench_peers`.
"""

import sys

import numpy as np
import scipy.sparse as sp
from bench_peers import _logistic, nb_ratio, tfidf_features
from sklearn.model_selection import StratifiedKFold

LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


def main(argv: list[str]) -> int:
    from rnn_models.text.tables import load_table, reference_split

    csv, out = argv[0], argv[1]
    c, n_labels = float(argv[2]) if len(argv) > 2 else 0.125, int(argv[3]) if len(argv) > 3 else 1
    train, valid = reference_split(load_table(csv, "comment_text", LABELS), ["toxic"], seed=42)
    y_train = np.stack([np.asarray(train[name]) for name in LABELS], 1)[:, :n_labels]
    x_train, x_valid = tfidf_features(list(train["comment_text"]), list(valid["comment_text"]))
    out_of_fold, valid_logits = np.zeros(y_train.shape), np.zeros((x_valid.shape[0], n_labels))
    for k, y in enumerate(y_train.T):
        for fit, held in StratifiedKFold(5, shuffle=True, random_state=42).split(np.zeros(len(y)), y):
            r = sp.diags(nb_ratio(x_train[fit], y[fit]))
            out_of_fold[held, k] = (
                _logistic(c, 42).fit(x_train[fit] @ r, y[fit]).decision_function(x_train[held] @ r)
            )
        r = sp.diags(nb_ratio(x_train, y))
        valid_logits[:, k] = _logistic(c, 42).fit(x_train @ r, y).decision_function(x_valid @ r)
    np.savez(out, tr=out_of_fold.astype(np.float32), va=valid_logits.astype(np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
