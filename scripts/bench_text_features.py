"""The default preset's tokenizer: raw-text n-gram features by array operations vs one text at a time, same process.

    python scripts/benchmark.py text_features --file ../shared/data/jigsaw_train_dev.csv \\
        --json benchmarks/tokenizer_text_features_cpu.json

The workload: the first ``--texts`` rows of ``--file`` (column ``--text_column``), the table repeated from its
first row where it has fewer (jigsaw_train_dev.csv: its 19,061 rows, then its first 939 again). The
vocabulary is fitted on them as training fits it (`fit_text_features`). "Before" is the tokenizer as it was
before the array path: each text's features one n-gram at a time (`TextFeatureVocabulary.reference_features`,
the code it ran, with its piece cache), as lists, padded lists where tensors are asked for; "after" is the
tokenizer as shipped. First every text's ids and counts are compared (they must be equal),
then each call is timed ``--repeats`` times, before and after interleaved, with the garbage collector off, and
the fastest run of each is reported (the machines are shared: the fastest is the least disturbed):

- features: ``vocabulary.batch(texts, pad=False)``, the ids and counts alone, as lists;
- tokenizer, lists: ``tok(texts, truncation=True, max_length=1500)``, one call (`predict_scores`' call);
- tokenizer, tensors: ``tok(batch, padding=True, truncation=True, max_length=1500, return_tensors="pt")``
  over batches of ``--batch_size`` texts (what a model's forward takes).
"""

import argparse
import csv
import itertools
import sys

from bench_common import fastest, format_table, machine_facts, write_json
from transformers import BatchEncoding

from rnn_models.model.text_features import TextFeatureVocabulary
from rnn_models.text.text_feature_fitting import fit_text_features
from rnn_models.text.tokenization_rnn import RNNTokenizerFast

MAX_LENGTH = 1500


class OneTextAtATime(TextFeatureVocabulary):
    """The vocabulary as the tokenizer used it before the array path: `reference_features` per text."""

    def batch(self, texts, pad=True):
        rows = [self.reference_features(text) for text in texts]
        width = max((len(ids) for ids, _ in rows), default=0) if pad else 0
        return (
            [ids + [0] * (width - len(ids)) for ids, _ in rows],
            [counts + [0] * (width - len(counts)) for _, counts in rows],
        )


class ListsTokenizer(RNNTokenizerFast):
    """The tokenizer before the array path: the features as lists, padded lists for tensors (which
    `BatchEncoding` then makes tensors of)."""

    def add_text_features(self, encoding, text, text_pair, kwargs):
        if self.text_features is None or text_pair is not None or kwargs.get("is_split_into_words"):
            return encoding
        single, tensors = isinstance(text, str), kwargs.get("return_tensors")
        pad = tensors is not None or kwargs.get("padding_strategy", "do_not_pad") != "do_not_pad"
        ids, counts = self.text_features.batch([text] if single else list(text), pad=pad)
        if single and tensors is None:
            ids, counts = ids[0], counts[0]
        data = {**encoding, "text_feature_ids": ids, "text_feature_counts": counts}
        return BatchEncoding(data, encoding=encoding.encodings, tensor_type=tensors)


def load_texts(path: str, column: str, count: int) -> list[str]:
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as handle:
        texts = [row[column] for row in csv.DictReader(handle)]
    return list(itertools.islice(itertools.cycle(texts), count))


def timed_rows(workloads: dict[str, callable], before: tuple, after: tuple, texts: int, repeats: int) -> list:
    """``[workload, before s, after s, before rows/s, after rows/s, speed-up]`` per workload."""
    rows = []
    for name, work in workloads.items():
        times = fastest({"before": lambda w=work: w(*before), "after": lambda w=work: w(*after)}, repeats)
        rows.append([name, times["before"], times["after"], texts / times["before"], texts / times["after"],
                     times["before"] / times["after"]])  # fmt: skip
        print(f"{name}: {rows[-1][-1]:.1f}x", flush=True)
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", required=True, help="a CSV file to take the texts from")
    parser.add_argument("--text_column", default="comment_text")
    parser.add_argument("--texts", type=int, default=20_000, help="number of texts (default 20,000)")
    parser.add_argument("--batch_size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    texts = load_texts(args.file, args.text_column, args.texts)
    print(
        f"corpus: {len(texts):,} texts, {sum(map(len, texts)):,} characters ({args.file}:{args.text_column})"
    )
    vocabulary = fit_text_features(texts).vocabulary
    before_vocabulary = OneTextAtATime(**vocabulary.to_dict())
    after = RNNTokenizerFast.from_texts(texts, max_length=MAX_LENGTH, text_features=vocabulary)
    before = ListsTokenizer.from_texts(texts, max_length=MAX_LENGTH, text_features=before_vocabulary)
    expected = before_vocabulary.batch(texts, pad=False)
    if vocabulary.batch(texts, pad=False) != expected:
        print("MISMATCH: the array path's ids or counts differ from one text at a time", file=sys.stderr)
        return 1
    entries = sum(map(len, expected[0]))
    print(f"identical: ids and counts of all {len(texts):,} texts ({entries:,} (text, n-gram) entries; "
          f"vocabulary {len(vocabulary.words):,} word + {len(vocabulary.chars):,} character n-grams)")  # fmt: skip
    batches = [texts[i : i + args.batch_size] for i in range(0, len(texts), args.batch_size)]
    options = {"truncation": True, "max_length": MAX_LENGTH}
    tensors = {**options, "padding": True, "return_tensors": "pt"}
    workloads = {
        "features (ids and counts, lists)": lambda v, t: v.batch(texts, pad=False),
        "tokenizer, lists (one call)": lambda v, t: t(texts, **options),
        f"tokenizer, tensors (batches of {args.batch_size})": lambda v, t: [t(b, **tensors) for b in batches],
    }
    rows = timed_rows(workloads, (before_vocabulary, before), (vocabulary, after), len(texts), args.repeats)
    header = ["workload", "before s", "after s", "before rows/s", "after rows/s", "speed-up"]
    print(format_table(header, rows))
    facts = {**machine_facts(), "repeats": args.repeats}
    print("machine:", ", ".join(f"{k}={v}" for k, v in facts.items()))
    if args.json:
        workload = (f"the first {len(texts):,} rows of {args.file}:{args.text_column}, "
                    "the table repeated from its first row where it has fewer")  # fmt: skip
        results = {"workload": workload, "texts": len(texts), "identical": True, "entries": entries,
                   "word_ngrams": len(vocabulary.words), "char_ngrams": len(vocabulary.chars),
                   "batch_size": args.batch_size, "max_length": MAX_LENGTH, "header": header, "rows": rows,
                   **facts}  # fmt: skip
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
