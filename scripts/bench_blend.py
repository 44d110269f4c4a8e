"""How much the recurrent part adds to NB-LR, from saved validation logits (issue 28's variant table).

    python scripts/bench_variants.py ... --save_scores deep.npy    # the recurrent part alone, logits per epoch
    python scripts/bench_blend.py OFFSETS.npz deep_epoch3.npy [...] # ROC AUC of NB-LR + w x recurrent

``OFFSETS.npz`` holds NB-LR's validation logits as ``va`` (``(rows, labels)``), fitted on the training split of
the same split (`scripts/bench_peers.py`'s features and ratios, C 1/8). Weights are given relative to the two
parts' spread (z-scored logits), as ``recurrent_logit_scale`` sets them, plus the average of ranks.
"""

import sys

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from bench_quality import jigsaw_notebook_rows


def main(argv: list[str]) -> int:
    from rnn_models.text.tables import load_table, reference_split

    _, valid = reference_split(
        load_table(str(jigsaw_notebook_rows()), "comment_text", ["toxic"]), ["toxic"], seed=42
    )
    labels = np.asarray(valid["toxic"])
    linear = np.load(argv[0])["va"][:, 0]
    print(f"NB-LR alone: {roc_auc_score(labels, linear):.4f}")
    z = lambda a: (a - a.mean()) / a.std()  # noqa: E731
    for path in argv[1:]:
        recurrent = np.load(path)[:, 0]
        blends = {
            w: roc_auc_score(labels, z(linear) + w * z(recurrent)) for w in (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
        }
        ranks = roc_auc_score(labels, 0.7 * rankdata(linear) + 0.3 * rankdata(recurrent))
        print(f"{path}: recurrent alone {roc_auc_score(labels, recurrent):.4f}; blend by weight "
              + ", ".join(f"{w}: {auc:.4f}" for w, auc in blends.items()) + f"; ranks 70/30: {ranks:.4f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
