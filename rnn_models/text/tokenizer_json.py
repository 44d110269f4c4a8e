"""The ``tokenizer.json`` pipeline that gives Keras ``texts_to_sequences`` ids with no code at load time.

- normalizer: ``str.lower``'s final-sigma rule (a regex over this Python's Cased / Case_Ignorable classes),
  markers after the few characters tokenizers' newer Unicode lower-cases and this Python does not,
  ``Lowercase``, then every ``filters`` character becomes ``split``;
- pre-tokenizer: ``Split(split, "removed")``: ``split`` is the only separator; empty words vanish;
- model: a ``BPE`` without merges and with ``ignore_merges=True``, as a word lookup that *drops* unknown
  words (``WordLevel`` cannot: it needs an unknown token). A known word is found whole; an unknown one falls
  apart into characters (``split`` before all but the first, after the last), a form no entry has, and a
  BPE without ``unk_token`` drops what it cannot find; with ``oov_token`` they fuse into one unknown token.
  1-character words are stored with ``split`` appended, the form BPE looks up for them. Measured
  (``scripts/benchmark.py tokenizer --drop_methods``: 10,000 texts x 50 words, 100,000-word vocabulary,
  2-core VM): 0.42 s, the same as ``WordLevel`` with a sentinel id filtered in Python (which would need
  code at load time), and half the 0.80 s of a pre-tokenizer regex of the vocabulary as a prefix trie;
- padding token ``"<pad>" + split`` at id 0 (no word contains ``split``), ``split_special_tokens=True`` (a
  text "<pad> " is plain text, as in Keras), ``padding_side`` and ``truncation_side`` "left" (Keras "pre").
"""

import functools
import itertools
import unicodedata

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

from .keras_vocabulary import KerasVocabulary

__all__ = ["build_backend"]

# Where Unicode has case properties: planes 0-1 and 14 (2-3 hold only CJK ideographs, 15-16 private use).
_PLANES = ((0x1, 0xD800), (0xE000, 0x20000), (0xE0000, 0xE1000))
_IGNORABLE_CATEGORIES = {"Mn", "Me", "Cf", "Lm", "Sk"}  # + Word_Break Mid*/Single_Quote (punctuation)
_MARKERS = tuple(map(chr, range(0xE000, 0xF900)))  # private use: no case, untouched by lower-casing


def _class(chars: list[str]) -> str:
    """A regex character class of ``chars`` (ranges of consecutive code points)."""
    runs: list[list[int]] = []
    for code in sorted(map(ord, chars)):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "[" + "".join(f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in runs) + "]"


@functools.cache
def _unicode_tables() -> tuple[str, str, dict[str, str], dict[str, str]]:
    """This Python's final-sigma classes, and where tokenizers' ``Lowercase`` differs from ``str.lower``.

    Returns the regex classes Cased-and-not-Case_Ignorable and Case_Ignorable, the characters tokenizers
    lower-cases while ``str.lower`` keeps them (-> tokenizers' result) and those both change, differently
    (-> ``str.lower``'s result). Computed once per process (about 0.1 s).
    """
    chars = list("".join(map(chr, itertools.chain.from_iterable(itertools.starmap(range, _PLANES)))))
    categories = list(map(unicodedata.category, chars))
    ignorable = set(itertools.compress(chars, map(_IGNORABLE_CATEGORIES.__contains__, categories)))
    # Word_Break MidLetter / MidNumLet / Single_Quote are punctuation: ask str.lower which of them it skips.
    punctuation = itertools.compress(chars, map(str.startswith, categories, itertools.repeat("P")))
    ignorable.update(c for c in punctuation if ("A" + c + "Σ").lower()[-1] == "ς")
    cased = {
        *filter(str.islower, chars),
        *filter(str.isupper, chars),
        *filter(str.istitle, chars),
    } - ignorable
    # Both lower-case character by character ("\x00" is kept by both, and Σ has no cased neighbour here).
    ours = normalizers.Lowercase().normalize_str("\x00".join(chars)).split("\x00")
    pythons = list(map(str.lower, chars))
    keep, replace = {}, {}
    for i in itertools.compress(range(len(chars)), map(str.__ne__, ours, pythons)):
        if pythons[i] == chars[i]:
            keep[chars[i]] = ours[i]
        else:
            replace[chars[i]] = pythons[i]
    if any(normalizers.Lowercase().normalize_str(p) != p for p in replace.values()):
        raise ValueError("tokenizers lower-cases str.lower's output again: this pair is not supported.")
    return _class(cased), _class(ignorable), keep, replace


def _normalizer_and_form(filters: str, lower: bool, split: str) -> tuple[normalizers.Normalizer, dict]:
    """tokenizer.json's normalizer and the ``str.translate`` table from a Keras word to its normalized form."""
    steps: list[normalizers.Normalizer] = []
    form: dict[int, str] = {}
    if lower:
        cased, ignorable, keep, replace = _unicode_tables()
        unsafe = {*keep, *keep.values(), *replace}.intersection(filters + split)
        if unsafe:
            raise ValueError(
                f"filters/split contain {sorted(unsafe)}, lower-cased differently by tokenizers."
            )
        # str.lower: Σ is ς after a cased letter (case-ignorables skipped) when no cased letter follows.
        sigma = f"\u03a3(?<={cased}{ignorable}*\u03a3)(?!{ignorable}*{cased})"
        steps.append(normalizers.Replace(Regex(sigma), "\u03c2"))
        steps += [normalizers.Replace(c, lowered) for c, lowered in replace.items()]
        if keep:  # mark them (and escape the marker) so that their lower-cased form stays distinct
            marker = next(m for m in _MARKERS if m not in filters + split)
            steps.append(normalizers.Replace(Regex(_class([marker, *keep]) + "\\K"), marker))
            form = {ord(marker): marker * 2, **{ord(c): lowered + marker for c, lowered in keep.items()}}
        steps.append(normalizers.Lowercase())
    if filters:
        steps.append(normalizers.Replace(Regex(_class(list(filters))), split))
    return normalizers.Sequence(steps), form


def build_backend(vocabulary: KerasVocabulary) -> Tokenizer:
    """The ``tokenizers.Tokenizer`` that encodes like ``vocabulary`` (Keras ``texts_to_sequences``).

    Example:
        >>> vocabulary = KerasVocabulary.fit(["a cat, a dog", "THE CAT"])
        >>> build_backend(vocabulary).encode("A cat and the bird.").ids
        [1, 2, 4]
    """
    split = vocabulary.split
    normalizer, form = _normalizer_and_form(vocabulary.filters, vocabulary.lower, split)

    def key(word: str) -> str:  # the pre-token of ``word``; BPE looks up 1-character words with the suffix
        word = word.translate(form) if form else word
        return word if len(word) > 1 else word + split

    pad, oov, words = "<pad>" + split, vocabulary.oov_token, vocabulary.encoded_words()
    if form and not set(map(chr, form)).isdisjoint("".join(words)):  # rare: words with characters to mark
        vocab = {pad: 0} | {key(word): i for word, i in words.items()}
    else:  # no word contains split, so no key equals pad or another key
        vocab = {pad: 0} | {(word if len(word) > 1 else word + split): i for word, i in words.items()}
    unk = None if oov is None else key(oov) if split not in oov else oov + split * 2  # not a word, not pad
    if oov is not None:
        vocab[unk] = vocabulary.oov_index
    ids = set(vocab.values())
    if len(ids) != len(vocab):
        raise ValueError("word_index gives one index to two words; expected distinct indices.")
    if len(ids) != max(ids) + 1:  # unused indices (an oov_token that is also a word): placeholders
        vocab |= {f"<unused{i}>{split}": i for i in sorted(set(range(max(ids) + 1)) - ids)}
    lookup = models.BPE(vocab, [], unk_token=unk, fuse_unk=True, ignore_merges=True,
                        continuing_subword_prefix=split, end_of_word_suffix=split)  # fmt: skip
    backend = Tokenizer(lookup)
    backend.normalizer = normalizer
    backend.pre_tokenizer = pre_tokenizers.Split(split, behavior="removed")
    backend.decoder = decoders.Sequence(
        [decoders.Replace(split, ""), decoders.WordPiece(split, cleanup=False)]
    )
    return backend
