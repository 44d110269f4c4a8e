"""Writes rnn_models/data/demo_comments.csv: a stratified sample of real Jigsaw comments, and its NOTICE.

The demo data lets `rnn-models train` run with no arguments and report a real ROC AUC. It is a fixed-seed
sample of `jigsaw_train_dev.csv` (real comments of Jigsaw's 2018 Toxic Comment Classification Challenge,
see ``../shared/data/README.md``), stratified on ``toxic`` so it keeps the source's toxic share, in the
source's row order. The comments are real and some are offensive.

    python scripts/make_demo_data.py [--source ../shared/data/jigsaw_train_dev.csv] [--rows 1500]
"""

import argparse
import csv
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "rnn_models" / "data"
SOURCE = ROOT.parent / "shared" / "data" / "jigsaw_train_dev.csv"
LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
SEED = 2024
NOTICE = """\
# demo_comments.csv: notice

{rows:,} real comments ({toxic:,} toxic, {share:.1%}) sampled, stratified on `toxic` with seed {seed}, by
`scripts/make_demo_data.py` from the training file (`train.csv`) of Jigsaw / Conversation AI's 2018 Toxic
Comment Classification Challenge on Kaggle. Columns: `id` (the comment's 0-based row in that file),
`comment_text` (unchanged), and the six human labels `toxic`, `severe_toxic`, `obscene`, `threat`,
`insult`, `identity_hate`.

**Content warning: these are real Wikipedia talk-page comments. About one in twelve is offensive:
insults, obscenity, threats and hate speech, kept as written because that is what a classifier must
learn to score.**

Licence: the dataset is released under CC0 1.0; the comment text comes from Wikipedia talk pages and is
licensed under CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/), attributed to the
Wikipedia contributors who wrote it. This file is redistributed under the same terms; it is not covered
by the Apache-2.0 licence of the rnn-models code.
"""


def read_source(path: Path) -> list[dict]:
    """The source rows, with ``row`` renamed ``id``; fails with the path on a missing column."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = [c for c in ["row", "comment_text", *LABELS] if rows and c not in rows[0]]
    if not rows or missing:
        raise SystemExit(
            f"{path}: expected columns row, comment_text, {', '.join(LABELS)}; missing {missing}"
        )
    return [
        {"id": row["row"], "comment_text": row["comment_text"], **{c: row[c] for c in LABELS}} for row in rows
    ]


def stratified_sample(rows: list[dict], count: int, seed: int = SEED) -> list[dict]:
    """``count`` rows with the source's share of ``toxic == 1`` (rounded), kept in source order.

    Example:
        >>> rows = [{"id": str(i), "toxic": str(int(i % 10 == 0))} for i in range(100)]
        >>> sample = stratified_sample(rows, 20)
        >>> len(sample), sum(r["toxic"] == "1" for r in sample), sample == sorted(sample, key=lambda r: int(r["id"]))
        (20, 2, True)
    """
    rng = random.Random(seed)
    toxic = [i for i, row in enumerate(rows) if row["toxic"] == "1"]
    clean = [i for i, row in enumerate(rows) if row["toxic"] != "1"]
    n_toxic = round(count * len(toxic) / len(rows))
    chosen = rng.sample(toxic, n_toxic) + rng.sample(clean, count - n_toxic)
    return [rows[i] for i in sorted(chosen)]


def write_atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        write(handle)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--rows", type=int, default=1500)
    args = parser.parse_args()
    rows = stratified_sample(read_source(args.source), args.rows)

    def write_csv(handle) -> None:
        writer = csv.DictWriter(handle, fieldnames=["id", "comment_text", *LABELS])
        writer.writeheader()
        writer.writerows(rows)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    write_atomic(OUT_DIR / "demo_comments.csv", write_csv)
    toxic = sum(row["toxic"] == "1" for row in rows)
    notice = NOTICE.format(rows=len(rows), toxic=toxic, share=toxic / len(rows), seed=SEED)
    write_atomic(OUT_DIR / "demo_comments.NOTICE.md", lambda handle: handle.write(notice))
    print(f"wrote {len(rows)} rows ({toxic} toxic) to {OUT_DIR / 'demo_comments.csv'} and its NOTICE")


if __name__ == "__main__":
    main()
