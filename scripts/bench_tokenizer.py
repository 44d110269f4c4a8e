"""Tokenizer: keras-preprocessing's ``Tokenizer`` + ``pad_sequences`` vs ``RNNTokenizerFast``, same corpus, one run.

    python scripts/benchmark.py tokenizer                          # 20,000 VADER snippets, maxlen 1500
    python scripts/benchmark.py tokenizer --file train.csv --text_column comment_text
    python scripts/benchmark.py tokenizer --drop_methods           # also: how tokenizer.json drops unknowns

The corpus: ``--file`` (a CSV column), else the VADER snippets (``pip download vaderSentiment==3.3.2``,
the source distribution, into a temporary folder), else texts drawn from ``tests/data/keras_texts.jsonl``.
Both sides fit on the corpus and encode and pad all of it to ``--max_length``; ours in two outputs, timed
apart: Python lists with ``attention_mask`` (the default call, ``tok(texts, padding="max_length",
truncation=True, max_length=1500)``) and ``return_tensors="np"``. The outputs are compared first
(word_index and every padded id), then each step is timed ``--repeats`` times, interleaved, with the
garbage collector off (freeing each result counted), and the fastest run of each is reported (machines are shared: the fastest run is
the least disturbed). glibc is told to keep freed memory (``mallopt``): the 120-480 MB padded arrays then
reuse pages instead of page-faulting fresh ones, which on VMs that hand freed memory back to the host costs
up to 0.5 s a call, at random. Keras pads with ``keras.utils.pad_sequences`` (keras-preprocessing's own
breaks on NumPy 2), on the torch backend.
"""

import argparse
import contextlib
import csv
import ctypes
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

import numpy as np
from bench_common import fastest, format_table, machine_facts, write_json
from keras.utils import pad_sequences
from keras_preprocessing.text import Tokenizer
from tokenizers import Regex, pre_tokenizers
from tokenizers import Tokenizer as RustTokenizer
from tokenizers.models import WordLevel
from transformers import TokenizersBackend

from rnn_models.text.keras_vocabulary import KerasVocabulary
from rnn_models.text.tokenization_rnn import RNNTokenizerFast, build_backend

ROOT = Path(__file__).resolve().parent.parent


def keep_freed_memory() -> None:
    """glibc: serve big arrays from the heap and never give freed memory back to the system."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 2**30)  # M_MMAP_THRESHOLD: up to 1 GiB from the heap, not mmap
        libc.mallopt(-1, 2**31 - 1)  # M_TRIM_THRESHOLD: do not trim the heap


def load_corpus(args: argparse.Namespace) -> tuple[list[str], str]:
    if args.file:
        csv.field_size_limit(sys.maxsize)
        with open(args.file, encoding="utf-8", newline="") as handle:
            texts = [row[args.text_column] for row in csv.DictReader(handle)]
        return texts[: args.texts], f"{args.file}:{args.text_column}"
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-q",
            "-d",
            folder,
        ]
        try:
            subprocess.run([*command, "vaderSentiment==3.3.2"], check=True, timeout=120, capture_output=True)
            texts = vader_snippets(next(Path(folder).glob("*.tar.gz")))
            return texts[: args.texts], "VADER snippets (vaderSentiment 3.3.2)"
        except (subprocess.SubprocessError, StopIteration, OSError) as error:
            print(f"note: VADER download failed ({type(error).__name__}); using the committed test texts")
    lines = (ROOT / "tests" / "data" / "keras_texts.jsonl").read_text("utf-8").split("\n")
    texts = [json.loads(line) for line in lines if line]
    return random.Random(0).choices(
        texts, k=args.texts
    ), "tests/data/keras_texts.jsonl, drawn with replacement"


def vader_snippets(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        with tarfile.open(fileobj=io.BytesIO(outer.extractfile(member).read())) as inner:
            files = sorted(
                (m for m in inner.getmembers() if m.name.endswith("GroundTruth.txt")), key=lambda m: m.name
            )
            lines = [line for m in files for line in inner.extractfile(m).read().decode("utf-8").splitlines()]
    return [parts[2] for parts in (line.split("\t", 2) for line in lines) if len(parts) == 3]


def keras_fit(texts: list[str]) -> Tokenizer:
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(texts)
    return tokenizer


def keras_encode(tokenizer: Tokenizer, texts: list[str], max_length: int) -> np.ndarray:
    return pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=max_length)


def ours_encode(
    tokenizer: RNNTokenizerFast, texts: list[str], max_length: int, mask: bool = False
) -> np.ndarray:
    options = {"padding": "max_length", "truncation": True, "max_length": max_length, "return_tensors": "np"}
    return tokenizer(texts, return_attention_mask=mask, **options)["input_ids"]


def ours_lists(tokenizer: RNNTokenizerFast, texts: list[str], max_length: int) -> dict[str, list]:
    """The call every tutorial shows: Python lists, ``input_ids`` and ``attention_mask``."""
    return tokenizer(texts, padding="max_length", truncation=True, max_length=max_length)


def trie_pattern(words: list[str]) -> str:
    """A regex matching exactly ``words``, as a prefix trie (one alternation per branching character)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [f"\\x{{{ord(char):X}}}" + emit(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    sys.setrecursionlimit(max(10_000, 3 * max(map(len, words), default=0)))
    return r"\A" + emit(trie) + r"\z"


def drop_methods(repeats: int) -> list[list]:
    """tokenizer.json ways to drop unknown words, on 10,000 texts x 50 words, 100,000-word vocabulary."""
    rng = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyz"
    pool = list(dict.fromkeys("".join(rng.choices(letters, k=rng.randint(2, 10))) for _ in range(130_000)))
    known = pool[:100_000]
    texts = [" ".join(rng.choices(pool[:120_000], k=50)) for _ in range(10_000)]  # about 1 word in 6 unknown
    vocabulary = KerasVocabulary(
        {w: 1 for w in known}, {w: i for i, w in enumerate(known, 1)}, filters="", lower=False
    )
    ours = build_backend(vocabulary)
    vocab = {"<pad> ": 0, **vocabulary.word_index}
    trie = RustTokenizer(WordLevel(vocab, unk_token="<pad> "))
    trie.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(" ", "removed"),
            pre_tokenizers.Split(Regex(trie_pattern(known)), "removed", invert=True),
        ]
    )
    sentinel = RustTokenizer(WordLevel({**vocab, "<unk> ": len(vocab)}, unk_token="<unk> "))
    sentinel.pre_tokenizer = pre_tokenizers.Split(" ", "removed")
    unknown_id = len(vocab)
    expected = [e.ids for e in ours.encode_batch(texts)]
    assert [e.ids for e in trie.encode_batch(texts)] == expected
    assert [[i for i in e.ids if i != unknown_id] for e in sentinel.encode_batch(texts)] == expected
    times = fastest(
        {
            "BPE lookup, no unk token (ours)": lambda: [e.ids for e in ours.encode_batch(texts)],
            "WordLevel + trie-regex pre-tokenizer": lambda: [e.ids for e in trie.encode_batch(texts)],
            "WordLevel + sentinel id, filtered in Python": lambda: [
                [i for i in e.ids if i != unknown_id] for e in sentinel.encode_batch(texts)
            ],
            "vectorized batch path (RNNTokenizerFast)": lambda: vocabulary.encode(texts),
        },
        repeats,
    )
    return [
        [name, seconds, seconds / times["BPE lookup, no unk token (ours)"]] for name, seconds in times.items()
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000, help="number of texts (default 20,000)")
    parser.add_argument("--max_length", type=int, default=1500)
    parser.add_argument("--file", help="a CSV file to take the texts from (default: VADER snippets)")
    parser.add_argument("--text_column", default="comment_text")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--drop_methods", action="store_true", help="also time ways of dropping unknown words"
    )
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    keep_freed_memory()
    texts, source = load_corpus(args)
    words = sum(len(t.split()) for t in texts)
    print(f"corpus: {len(texts):,} texts, {words:,} words ({source}); max_length {args.max_length}")

    keras = keras_fit(texts)
    ours = RNNTokenizerFast.from_texts(texts, max_length=args.max_length)
    if list(ours.word_index.items()) != list(keras.word_index.items()):
        print("MISMATCH: word_index differs from Keras", file=sys.stderr)
        return 1
    if not np.array_equal(
        ours_encode(ours, texts, args.max_length), keras_encode(keras, texts, args.max_length)
    ):
        print("MISMATCH: padded ids differ from Keras", file=sys.stderr)
        return 1
    if (
        ours_lists(ours, texts, args.max_length)["input_ids"]
        != keras_encode(keras, texts, args.max_length).tolist()
    ):
        print("MISMATCH: padded ids (lists) differ from Keras", file=sys.stderr)
        return 1
    print(f"identical: word_index ({len(ours.word_index):,} words) and all {len(texts):,} padded rows")

    L = args.max_length
    with (
        tempfile.TemporaryDirectory() as folder
    ):  # what AutoTokenizer gives where rnn_models is not installed
        ours.save_pretrained(folder)
        plain = TokenizersBackend.from_pretrained(folder)
    plain_ids = plain(texts, padding="max_length", truncation=True, max_length=L, return_tensors="np")[
        "input_ids"
    ]
    assert np.array_equal(plain_ids, ours_encode(ours, texts, L)), (
        "tokenizer.json differs from the batch path"
    )
    times = fastest(
        {
            "keras fit": lambda: keras_fit(texts),
            "ours fit": lambda: RNNTokenizerFast.from_texts(texts, max_length=L),
            "keras encode+pad": lambda: keras_encode(keras, texts, L),
            "ours encode+pad lists": lambda: ours_lists(ours, texts, L),
            "ours encode+pad": lambda: ours_encode(ours, texts, L),
            "ours encode+pad+mask": lambda: ours_encode(ours, texts, L, mask=True),
            "keras all": lambda: keras_encode(keras_fit(texts), texts, L),
            "ours all lists": lambda: ours_lists(RNNTokenizerFast.from_texts(texts, max_length=L), texts, L),
            "ours all": lambda: ours_encode(RNNTokenizerFast.from_texts(texts, max_length=L), texts, L),
        },
        args.repeats,
    )
    times |= fastest(
        {"plain encode+pad": lambda: plain(texts, padding="max_length", truncation=True, max_length=L)}, 1
    )
    as_run = {
        "keras all": lambda: keras_encode(keras_fit(texts), texts, L),
        "ours all lists": lambda: ours_lists(RNNTokenizerFast.from_texts(texts, max_length=L), texts, L),
        "ours all": lambda: ours_encode(RNNTokenizerFast.from_texts(texts, max_length=L), texts, L),
    }
    times |= {f"{name}, collector on": t for name, t in fastest(as_run, args.repeats, collector=True).items()}
    rows = [
        ["fit (fit_on_texts / from_texts)", times["keras fit"], times["ours fit"]],
        ["encode + pad, lists + mask (default)", times["keras encode+pad"], times["ours encode+pad lists"]],
        ["encode + pad, numpy", times["keras encode+pad"], times["ours encode+pad"]],
        ["encode + pad, numpy + mask", times["keras encode+pad"], times["ours encode+pad+mask"]],
        ["fit + encode + pad, lists (default)", times["keras all"], times["ours all lists"]],
        ["fit + encode + pad, numpy", times["keras all"], times["ours all"]],
        [
            "fit + encode + pad, lists, collector on",
            times["keras all, collector on"],
            times["ours all lists, collector on"],
        ],
        [
            "fit + encode + pad, numpy, collector on",
            times["keras all, collector on"],
            times["ours all, collector on"],
        ],
        ["encode + pad, tokenizer.json only (*)", times["keras encode+pad"], times["plain encode+pad"]],
    ]
    rows = [[step, keras_s, ours_s, keras_s / ours_s] for step, keras_s, ours_s in rows]
    print(format_table(["step", "keras-preprocessing s", "RNNTokenizerFast s", "speed-up"], rows))
    print(
        "(*) TokenizersBackend on the saved tokenizer.json, as loaded where rnn_models is not installed; 1 run"
    )
    facts = {**machine_facts(), "load_average": os.getloadavg(), "repeats": args.repeats}
    print("machine:", ", ".join(f"{k}={v}" for k, v in facts.items()))
    results = {"corpus": source, "texts": len(texts), "words": words, "max_length": L, "rows": rows, **facts}
    if args.drop_methods:
        drops = drop_methods(args.repeats)
        print(
            "\ndropping unknown words in tokenizer.json (10,000 texts x 50 words, 100,000-word vocabulary):"
        )
        print(format_table(["method", "encode s", "vs ours"], drops))
        results["drop_methods"] = drops
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
