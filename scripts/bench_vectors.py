"""Word vectors: the reference notebook's loop vs `rnn_models.load_vectors`, next to a plain read of the file.

    python scripts/benchmark.py vectors            # (a) the real glove.6B 50-d, written out as GloVe text
    python scripts/benchmark.py vectors --large    # (b) also a generated 2.2M-line x 300-d glove.840B-like file

For each file and a vocabulary of 40,000 words (95% of them in the file) it times: a plain sequential
read of the file in 16 MiB chunks (the physical limit), the notebook loop (read every line with
``line.split(' ')`` and ``float``, then fill the matrix), ours cold (``cache=False``) and ours warm (from
the safetensors cache), each including the embedding matrix. The page cache is warmed first, so every
method reads from memory. The loop is run once; ``--loop_lines N`` times it on the first N lines only
and extrapolates, labelled as such. Files go to a temporary folder, deleted afterwards unless ``--keep``.
"""

import argparse
import importlib.metadata
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_common import best_of, format_table, machine_facts, write_json

from rnn_models.vectors import build_embedding_matrix, load_vectors, write_glove_text

LARGE_ROWS, LARGE_DIM = 2_196_017, 300  # glove.840B.300d.txt
FREE_DISK_NEEDED = 15 * 2**30
# glove.840B's odd tokens: spaces, a non-breaking space, NEL, U+2028, a carriage return.
HAZARD_TOKENS = [". . .", "at the", "at\xa0the", "foo\x85bar", "x\u2028y", "hzd\rqzx"]


def notebook_loop(
    path: Path, word_index: dict[str, int], dim: int, max_lines: int | None = None
) -> np.ndarray:
    """The reference notebook's code, without its tqdm bars. One change: lines whose numbers do not parse
    (tokens with spaces, as in glove.840B) are skipped; the original stops with a ValueError at the first."""
    embeddings_index = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n == max_lines:
                break
            values = line.split(" ")
            word = values[0]
            try:
                coefs = np.asarray([float(val) for val in values[1:]])
            except ValueError:
                continue
            embeddings_index[word] = coefs
    embedding_matrix = np.zeros((len(word_index) + 1, dim))
    for word, i in word_index.items():
        embedding_vector = embeddings_index.get(word)
        if embedding_vector is not None:
            embedding_matrix[i] = embedding_vector
    return embedding_matrix


def plain_read(path: Path) -> int:
    size = 0
    with open(path, "rb", buffering=0) as f:
        while chunk := f.read(16 << 20):
            size += len(chunk)
    return size


def vocabulary(words: list[str], size: int, missing_every: int = 20) -> dict[str, int]:
    """A Keras-like word index: the file's most frequent words, every ``missing_every``-th id a word
    without a vector (95% coverage by words)."""
    index: dict[str, int] = {}
    found = iter(words)
    for i in range(1, size + 1):
        index[f"{next(found)}qzx{i}" if i % missing_every == 0 else next(found)] = i
    return index


def write_large_file(
    path: Path, words: list[str], rows: int, dim: int, seed: int = 0, block: int = 10_000
) -> None:
    """A glove.840B-like text file: ``rows`` words (cased and odd tokens included), ``dim`` numbers
    like ``-0.12345`` per line (~5.6 GB for 2.2M x 300), generated with numpy (no per-number Python)."""
    rng = np.random.default_rng(seed)
    lower = list(dict.fromkeys(words))
    names = list(dict.fromkeys([*lower, *(w.capitalize() for w in lower), *(w.upper() for w in lower)]))
    names += [f"tok{i}" for i in range(max(rows - len(names), 0))]
    names = names[:rows]
    for k, token in enumerate(HAZARD_TOKENS):  # spread the odd tokens over the file
        names[(k + 1) * rows // (len(HAZARD_TOKENS) + 1)] = token
    encoded = [name.encode() for name in names]
    width = max(map(len, encoded)) + 1
    with open(path, "wb") as out:
        for start in range(0, rows, block):
            n = min(block, rows - start)
            word = np.array(encoded[start : start + n], dtype=f"S{width}").view(np.uint8).reshape(n, width)
            field = np.empty((n, dim, 9), np.uint8)  # " -0.12345", bytes 0 are dropped below
            field[..., 0] = ord(" ")
            field[..., 1] = np.where(rng.random((n, dim)) < 0.5, ord("-"), 0)
            field[..., 2], field[..., 3] = ord("0"), ord(".")
            field[..., 4:] = rng.integers(ord("0"), ord("9") + 1, size=(n, dim, 5), dtype=np.uint8)
            field[..., 8] = np.where(rng.random((n, dim)) < 0.03, 0, field[..., 8])  # some 4-digit numbers
            line = np.concatenate([word, field.reshape(n, -1), np.full((n, 1), ord("\n"), np.uint8)], axis=1)
            out.write(line[line != 0].tobytes())


def run_case(name: str, path: Path, word_index: dict[str, int], dim: int, args, cache_dir: Path) -> dict:
    print(
        f"\n== {name}: {path.name}, {path.stat().st_size / 2**30:.2f} GiB, vocabulary {len(word_index):,} words"
    )
    plain_read(path)  # warm the page cache: every method below reads from memory
    seconds = {"plain read": best_of(args.repeats, lambda: plain_read(path))}

    def ours(cache):
        vectors = load_vectors(path, vocab=word_index, cache=cache, progress=False)
        return vectors, build_embedding_matrix(word_index, vectors)

    seconds["ours, cold (cache=False)"] = best_of(args.repeats, lambda: ours(False))
    vectors, (matrix, report) = ours(cache_dir)  # fills the cache
    seconds["ours, warm (from cache)"] = best_of(5, lambda: ours(cache_dir))
    assert ours(cache_dir)[0].stats.from_cache
    print(report)
    print(f"load stats: {vectors.stats}")

    lines = vectors.stats.lines
    started = time.perf_counter()
    loop_matrix = notebook_loop(path, word_index, dim, args.loop_lines)
    loop_seconds = time.perf_counter() - started
    loop_label = "notebook loop"
    if args.loop_lines and args.loop_lines < lines:
        loop_seconds *= lines / args.loop_lines
        loop_label = f"notebook loop (EXTRAPOLATED from the first {args.loop_lines:,} of {lines:,} lines)"
    else:
        same = np.array_equal(matrix, loop_matrix.astype(np.float32))
        print(f"our matrix equals the loop's (rounded to float32): {same}")
    seconds = {"plain read": seconds.pop("plain read"), loop_label: loop_seconds, **seconds}

    plain, loop = seconds["plain read"], loop_seconds
    rows = [(method, s, s / plain, loop / s) for method, s in seconds.items()]
    print(format_table(["method", "seconds", "x plain read", "loop / this"], rows))
    cold, warm = seconds["ours, cold (cache=False)"], seconds["ours, warm (from cache)"]
    targets = {
        "cold >= 20x faster than the loop": loop / cold >= 20,
        "cold within 3x of the plain read": cold / plain <= 3,
        "warm >= 200x faster than the loop": loop / warm >= 200,
    }
    for target, met in targets.items():
        print(f"  {'met    ' if met else 'MISSED '} {target}")
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "lines": lines,
        "seconds": seconds,
        "targets": targets,
    }


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmark.py vectors", description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocab_size", type=int, default=40_000)
    parser.add_argument(
        "--large", action="store_true", help="also the generated 2.2M x 300 glove.840B-like file"
    )
    parser.add_argument("--large_rows", type=int, default=LARGE_ROWS)
    parser.add_argument("--repeats", type=int, default=3, help="best of N for the plain read and ours cold")
    parser.add_argument("--loop_lines", type=int, default=None, help="time the loop on N lines, extrapolate")
    parser.add_argument("--workdir", default=None, help="where the files go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench_vectors_"))
    workdir.mkdir(parents=True, exist_ok=True)
    facts = {**machine_facts(), "numpy": np.__version__, "pyarrow": _version("pyarrow")}
    print("machine:", ", ".join(f"{k}={v}" for k, v in facts.items()))
    try:
        glove = load_vectors("glove-6b-50d")
        small = write_glove_text(glove, workdir / "glove.6B.50d.txt")
        cases = [
            run_case(
                "(a) glove.6B.50d",
                small,
                vocabulary(glove.words, args.vocab_size),
                50,
                args,
                workdir / "cache",
            )
        ]
        if args.large:
            free = shutil.disk_usage(workdir).free
            if free < FREE_DISK_NEEDED:
                print(
                    f"--large needs 15 GiB free in {workdir}, found {free / 2**30:.1f} GiB", file=sys.stderr
                )
                return 2
            large = workdir / "glove.840B-like.300d.txt"
            started = time.perf_counter()
            write_large_file(large, glove.words, args.large_rows, LARGE_DIM)
            print(f"\ngenerated {large.name} in {time.perf_counter() - started:.0f} s")
            word_index = vocabulary(glove.words, args.vocab_size)
            cases.append(
                run_case("(b) glove.840B-like", large, word_index, LARGE_DIM, args, workdir / "cache")
            )
        if args.json:
            write_json(args.json, {"machine": facts, "cases": cases})
    finally:
        if not args.keep:  # only what this run made: a --workdir given may hold other files
            for made in ("glove.6B.50d.txt", "glove.840B-like.300d.txt"):
                (workdir / made).unlink(missing_ok=True)
            shutil.rmtree(workdir / "cache", ignore_errors=True)
            if not args.workdir:
                workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
