"""Readers of word-vector files: GloVe text, word2vec / fastText text (``.vec``) and word2vec binary.

Files are read as bytes and split only on ``b"\\n"``: tokens holding ``"\\r"``, NEL (U+0085), U+2028
or invalid UTF-8 never split or shift a row. With a vocabulary, each line's word is found with two
``bytes.find`` calls and only the lines whose word is needed are parsed; their numbers are converted
in bulk (pyarrow's CSV reader, falling back to Python's ``float`` row by row, which also finds the
line of a bad value). The bytes come from `.files`.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .files import HEAD, VectorFile, drive, read_head

__all__ = ["ERRORS", "LoadStats", "read_vectors"]

ERRORS = ("strict", "skip")
FLUSH = 32 << 20  # bytes of numbers converted per bulk call

# Reasons of skipped lines, as counted in LoadStats.skipped under errors="skip".
WRONG_COUNT, NOT_A_NUMBER, TRUNCATED = "wrong number of values", "not a number", "truncated last line"


@dataclass
class LoadStats:
    """What a load saw. ``lines`` counts every line (records for word2vec binary, plus the header);
    the other counts cover the lines that were parsed: all of them, or with a vocabulary only those
    whose word is needed (the others are neither parsed nor validated).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from rnn_models import load_vectors
        >>> path = Path(tempfile.mkdtemp(), "tiny.txt")
        >>> _ = path.write_text("cat 1 2\\ndog 3 4\\ncat 5 6\\n\\nbad 7\\n")
        >>> stats = load_vectors(path, errors="skip", cache=False).stats
        >>> stats.lines, stats.rows, stats.duplicates, stats.blank_lines, stats.skipped
        (5, 2, 1, 1, {'wrong number of values': 1})
    """

    lines: int = 0
    rows: int = 0
    blank_lines: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    invalid_utf8: int = 0
    duplicates: int = 0
    from_cache: bool = False
    seconds: float = 0.0


def parse_header(head: bytes) -> tuple[int, int] | None:
    """``(count, dim)`` when the first line is a word2vec / fastText header "count dim"."""
    fields = head.split(b"\n", 1)[0].split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return int(fields[0]), int(fields[1])
    return None


def detect_dim(head: bytes, label: str) -> int:
    """The vector width of a headerless text file: the most common number of values per line."""
    lines = head.split(b"\n")[:1000]
    if len(lines) > 1 and len(head) >= HEAD:
        lines.pop()  # a line cut by the end of the head
    counts = Counter(body.count(b" ") for body in (line.rstrip(b" \r") for line in lines) if body.strip())
    if not counts or counts.most_common(1)[0][0] == 0:
        raise ValueError(f"{label}: no word vectors found (expected lines 'word value value ...')")
    return counts.most_common(1)[0][0]


def read_vectors(
    vf: VectorFile,
    vocab: set[str] | None,
    *,
    errors: str,
    dim: int | None,
    progress: bool | None,
    extra: "ExtraRows | None" = None,
) -> tuple[list[str], np.ndarray, LoadStats]:
    """Reads ``vf``: ``(words, (len(words), dim) float32 matrix, stats)``; only ``vocab``'s words if given,
    and the first rows ``extra`` takes."""
    head = read_head(vf)
    if not head:
        raise ValueError(f"{vf.label}: empty file")
    header = parse_header(head)
    if vf.binary and header is None:
        raise ValueError(f"{vf.label}:1: expected a word2vec header 'count dim', got {head[:40]!r}")
    if header is not None and dim is not None and header[1] != dim:
        raise ValueError(f"{vf.label}:1: the header says {header[1]} values per word, expected {dim}")
    width = header[1] if header else (dim or detect_dim(head, vf.label))
    start = (head.find(b"\n") + 1 or len(head)) if header else 0
    reader_class = BinaryReader if vf.binary else TextReader
    reader = reader_class(vf.label, width, vocab, errors, count=header[0] if header else None)
    reader.extra = extra
    reader.lineno = 2 if header else 1
    drive(vf, start, reader.step, progress)
    words, matrix = reader.finish()
    reader.stats.lines = reader.lineno - 1
    return words, matrix, reader.stats


def needed_prefixes(vocab: set[str] | None) -> set[bytes] | None:
    """The bytes before the first space of each needed word: a line whose word starts otherwise is
    skipped unparsed. None (parse every line) without a vocabulary, or when a vocabulary word holds
    U+FFFD and could match a line's invalid UTF-8 only after decoding."""
    if vocab is None or any("\ufffd" in word for word in vocab):
        return None
    return {word.encode("utf-8", "surrogatepass").split(b" ", 1)[0] for word in vocab}


class ExtraRows:
    """Takes the first ``limit`` words (all with None) outside the vocabulary that ``accepts`` admits;
    ``key`` names the rule in cache keys."""

    def __init__(self, limit: int | None, accepts: Callable[[str], bool], key: str = ""):
        self.left, self.accepts, self.key, self.taken = (
            math.inf if limit is None else limit,
            accepts,
            key,
            set(),
        )

    def take(self, word: str) -> bool:
        if self.left and word not in self.taken and self.accepts(word):
            self.left -= 1
            self.taken.add(word)
            return True
        return False


class RowCollector:
    """Collects the needed rows' words and number bytes, converts them in bulk, drops duplicates."""

    def __init__(self, label: str, dim: int, vocab: set[str] | None, errors: str, count: int | None = None):
        self.label, self.dim, self.vocab, self.errors, self.count = label, dim, vocab, errors, count
        self.prefixes = needed_prefixes(vocab)
        self.extra: ExtraRows | None = None
        self.stats = LoadStats()
        self.lineno = 1
        self.words: list[str] = []
        self.blocks: list[np.ndarray] = []
        self._pending: list[tuple[str, bytes, int]] = []
        self._pending_bytes = 0

    def problem(self, lineno: int, reason: str, message: str) -> None:
        """Raises under errors="strict"; counts the skipped line under errors="skip"."""
        if self.errors == "strict":
            raise ValueError(f"{self.label}:{lineno}: {message}")
        self.stats.skipped[reason] = self.stats.skipped.get(reason, 0) + 1

    def parses_every_line(self) -> bool:
        """No vocabulary, or rows outside it still to take: every line's word must be looked at."""
        return self.prefixes is None or bool(self.extra and self.extra.left)

    def wanted(self, word: str) -> bool:
        return self.vocab is None or word in self.vocab or (self.extra is not None and self.extra.take(word))

    def decode(self, word: bytes) -> tuple[str, bool]:
        try:
            return word.decode("utf-8"), False
        except UnicodeDecodeError:
            return word.decode("utf-8", "replace"), True

    def add(self, word: str, values: bytes, lineno: int) -> None:
        self._pending.append((word, values, lineno))
        self._pending_bytes += len(values)
        if self._pending_bytes >= FLUSH:
            self.flush()

    def flush(self) -> None:
        """Converts the pending rows in bulk; a batch with a bad value is redone row by row with
        Python's ``float``, which finds (and skips or reports) the line."""
        if not self._pending:
            return
        block = self.convert([values for _, values, _ in self._pending])
        if block is not None:
            self.words.extend(word for word, _, _ in self._pending)
        else:
            rows = []
            for word, values, lineno in self._pending:
                row = self.convert_row(values, lineno)
                if row is not None:
                    self.words.append(word)
                    rows.append(row)
            block = np.array(rows, dtype=np.float32).reshape(len(rows), self.dim)
        self.blocks.append(block)
        self._pending, self._pending_bytes = [], 0

    def convert(self, values: list[bytes]) -> np.ndarray | None:
        return parse_text_block(values, self.dim)

    def convert_row(self, values: bytes, lineno: int) -> np.ndarray | None:
        fields = values.split(b" ")
        row = np.empty(self.dim, dtype=np.float64)  # float64 first, as the reference loop, then rounded
        for i, text in enumerate(fields):
            try:
                row[i] = float(text)
            except ValueError:
                self.problem(lineno, NOT_A_NUMBER, f"{text.decode('utf-8', 'replace')!r} is not a number")
                return None
        return row

    def finish(self) -> tuple[list[str], np.ndarray]:
        """Words and matrix in file order, keeping the first row of a word seen twice."""
        self.flush()
        matrix = np.concatenate(self.blocks) if self.blocks else np.empty((0, self.dim), np.float32)
        first: dict[str, int] = {}
        keep = [i for i, word in enumerate(self.words) if first.setdefault(word, i) == i]
        self.stats.duplicates = len(self.words) - len(keep)
        words = self.words
        if self.stats.duplicates:
            words, matrix = [words[i] for i in keep], matrix[keep]
        self.stats.rows = len(words)
        return words, matrix


class TextReader(RowCollector):
    """GloVe / word2vec / fastText text: ``word v1 ... v_dim`` per line.

    The word is everything before the last ``dim`` fields, so tokens with spaces (glove.840B has
    ". . ." and similar) keep their vector; trailing spaces and a ``"\\r"`` before ``"\\n"`` are ignored.
    """

    def step(self, buffer: Any, pos: int, stop: int, eof: bool) -> int:
        end = stop if eof else buffer.rfind(b"\n", pos, stop) + 1
        if end <= pos:
            return pos
        unterminated = eof and buffer[end - 1 : end] != b"\n"
        first = self.lineno
        if self.parses_every_line():
            lines = buffer[pos:end].split(b"\n")
            if not unterminated:
                lines.pop()  # the empty string after the last "\n"
            candidates = zip(lines, range(first, first + len(lines)), strict=True)
            self.lineno += len(lines)
        else:
            candidates = self.scan(buffer, pos, end)
        self.take(candidates, self.lineno - 1 if unterminated else 0)
        if self._pending_bytes >= FLUSH:
            self.flush()
        return end

    def scan(self, buffer: Any, pos: int, end: int) -> list[tuple[bytes, int]]:
        """The lines of ``buffer[pos:end]`` whose first word may be needed, with their numbers."""
        find, prefixes, lineno, blank = buffer.find, self.prefixes, self.lineno, 0
        found: list[tuple[bytes, int]] = []
        s = pos
        while s < end:  # the hot loop: two finds, one slice and one set lookup per line
            nl = find(b"\n", s, end)
            if nl < 0:
                nl = end
            sp = find(b" ", s, nl)
            if sp <= s:  # no space, or a leading one: a blank line, a bare word, a token starting with " "
                line = buffer[s:nl]
                if not line.strip():
                    blank += 1
                elif (line.rstrip(b"\r") if sp < 0 else b"") in prefixes:
                    found.append((line, lineno))
            elif buffer[s:sp] in prefixes:
                found.append((buffer[s:nl], lineno))
            s = nl + 1
            lineno += 1
        self.lineno = lineno
        self.stats.blank_lines += blank
        return found

    def take(self, candidates: Iterable[tuple[bytes, int]], truncated_line: int) -> None:
        """Splits lines into word and values; keeps those whose word is needed and whose count is right."""
        dim, vocab, pending, stats = self.dim, self.vocab, self._pending, self.stats
        for line, lineno in candidates:
            body = line.rstrip(b" \r")
            spaces = body.count(b" ")
            if spaces == dim:
                cut = body.find(b" ")
            elif spaces > dim:  # a token with spaces: the word is all but the last dim fields
                cut = len(body.rsplit(b" ", dim)[0])
            elif not body.strip():
                stats.blank_lines += 1
                continue
            else:
                cut = body.find(b" ") if spaces else len(body)
            word, invalid = self.decode(body[:cut])
            needed = vocab is None or word in vocab
            # A row outside the vocabulary is skipped unchecked, unless the extra rows take it (well-formed only).
            if not needed and (spaces < dim or self.extra is None or not self.extra.take(word)):
                continue
            if spaces < dim:
                if self.errors == "strict":
                    self.flush()  # a bad number on an earlier line is reported first
                truncated = lineno == truncated_line
                reason, suffix = (TRUNCATED, " (truncated last line)") if truncated else (WRONG_COUNT, "")
                self.problem(lineno, reason, f"expected {dim} values, got {spaces}{suffix}")
                continue
            stats.invalid_utf8 += invalid
            pending.append((word, body[cut + 1 :], lineno))
            self._pending_bytes += len(line)


class BinaryReader(RowCollector):
    """word2vec binary: header "count dim\\n", then per word its bytes, a space, dim little-endian
    float32 (and usually a "\\n", which is skipped). Line numbers count the header as line 1."""

    def step(self, buffer: Any, pos: int, stop: int, eof: bool) -> int:
        find, width, vocab_bytes = buffer.find, 4 * self.dim, self.prefixes
        while self.lineno - 2 < self.count:  # line 1 is the header
            sp = find(b" ", pos, stop)
            if sp < 0 or sp + 1 + width > stop:
                break
            raw = buffer[pos:sp].lstrip(b"\n")
            if vocab_bytes is None or raw in vocab_bytes or self.parses_every_line():
                word, invalid = self.decode(raw)
                if self.wanted(word):
                    self.stats.invalid_utf8 += invalid
                    self.add(word, buffer[sp + 1 : sp + 1 + width], self.lineno)
            pos = sp + 1 + width
            self.lineno += 1
        if not eof:
            return pos
        rest = buffer[pos:stop].lstrip(b"\n")
        if rest and self.lineno - 2 < self.count:
            got = (len(rest) - rest.find(b" ") - 1) // 4 if b" " in rest else 0
            self.problem(
                self.lineno, TRUNCATED, f"expected {self.dim} values, got {got} (truncated last word)"
            )
            self.lineno += 1
        elif self.lineno - 2 < self.count and self.errors == "strict":
            raise ValueError(
                f"{self.label}:{self.lineno}: the header says {self.count} words, found {self.lineno - 2}"
            )
        return stop

    def convert(self, values: list[bytes]) -> np.ndarray:
        return np.frombuffer(b"".join(values), dtype="<f4").astype(np.float32).reshape(-1, self.dim)


def parse_text_block(values: list[bytes], dim: int) -> np.ndarray | None:
    """Rows of ``dim`` space-separated numbers -> float32 (parsed as float64 first, like ``float``).

    Uses pyarrow's CSV reader; None when it is not installed or any value does not parse as a number,
    so the caller falls back to ``float`` row by row.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ImportError:
        return None
    names = [str(i) for i in range(dim)]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(b"\n".join(values)),
            read_options=pa_csv.ReadOptions(column_names=names, block_size=1 << 21),
            parse_options=pa_csv.ParseOptions(delimiter=" ", quote_char=False, escape_char=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.float64()), null_values=[]
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(values) or any(column.null_count for column in table.columns):
        return None
    block = np.empty((len(values), dim), dtype=np.float32)
    for i, column in enumerate(table.columns):
        block[:, i] = column.to_numpy()
    return block
