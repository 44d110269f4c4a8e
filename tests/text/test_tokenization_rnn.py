"""RNNTokenizerFast gives keras-preprocessing 1.1.2's ``Tokenizer`` + ``pad_sequences`` ids, id for id.

Both ways of encoding are checked: the vectorized batch path of RNNTokenizerFast, and tokenizer.json (the
Rust pipeline that a plain ``TokenizersBackend`` runs when rnn_models is not installed).
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import run_without_rnn_models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keras_preprocessing.text import Tokenizer, tokenizer_from_json
from transformers import AutoTokenizer, TokenizersBackend, pipeline

from rnn_models import RNNConfig, RNNForSequenceClassification
from rnn_models.text.tokenization_rnn import KERAS_FILTERS, RNNTokenizerFast

DATA = Path(__file__).parents[1] / "data" / "keras_texts.jsonl"
TEXTS = [json.loads(line) for line in DATA.read_text("utf-8").split("\n") if line]  # JSON escapes "\n" only
FIT_TEXTS = TEXTS[:3000]  # the rest has words the tokenizers have never seen
OPTIONS = {
    "defaults": {},
    "num_words": {"num_words": 50},
    "oov_token": {"oov_token": "<OOV>"},
    "oov_token is a word": {"oov_token": "the"},
    "num_words, oov_token is a word": {"num_words": 30, "oov_token": "the"},
    "no lower, no filters": {"lower": False, "filters": ""},
    "tab split, non-ASCII filters": {"split": "\t", "filters": KERAS_FILTERS.replace("\t", " ") + "¿¡«»“”—"},
}


def keras_pad(sequences: list[list[int]], maxlen: int) -> np.ndarray:
    """Keras ``pad_sequences(sequences, maxlen)``: padding and truncating 'pre', zeros (a padding oracle)."""
    padded = np.zeros((len(sequences), maxlen), dtype=np.int64)
    for row, sequence in zip(padded, sequences, strict=True):
        kept = sequence[-maxlen:]
        row[maxlen - len(kept) :] = kept
    return padded


def fit_both(texts: list[str], **options) -> tuple[Tokenizer, RNNTokenizerFast]:
    keras = Tokenizer(**options)
    keras.fit_on_texts(texts)
    return keras, RNNTokenizerFast.from_texts(texts, **options)


@pytest.fixture(scope="module", params=list(OPTIONS), ids=list(OPTIONS))
def fitted(request):
    keras, ours = fit_both(FIT_TEXTS, **OPTIONS[request.param])
    return keras, ours, keras.texts_to_sequences(TEXTS)


def test_vocabulary_is_keras_vocabulary(fitted):
    keras, ours, sequences = fitted
    assert list(ours.word_index.items()) == list(keras.word_index.items())
    assert list(ours.word_counts.items()) == list(keras.word_counts.items())
    assert ours.keras_vocabulary.document_count == keras.document_count == len(FIT_TEXTS)
    assert len(ours) > max(max(sequence, default=0) for sequence in sequences)  # an embedding row for each id


@pytest.mark.parametrize("max_length", [1500, 40, 1])
def test_padded_batch_is_keras_pad_sequences(fitted, max_length):
    _, ours, sequences = fitted
    expected = keras_pad(sequences, max_length)
    arrays = ours(TEXTS, padding="max_length", truncation=True, max_length=max_length, return_tensors="np")
    lists = ours(TEXTS, padding="max_length", truncation=True, max_length=max_length)
    np.testing.assert_array_equal(arrays["input_ids"], expected)
    np.testing.assert_array_equal(arrays["attention_mask"], expected != 0)  # no word has index 0
    assert lists["input_ids"] == expected.tolist()


def test_unpadded_batch_is_keras_texts_to_sequences(fitted):
    _, ours, sequences = fitted
    encoded = ours(TEXTS)
    assert encoded["input_ids"] == sequences
    assert encoded["attention_mask"] == [[1] * len(sequence) for sequence in sequences]


def test_tokenizer_json_is_keras(fitted, tmp_path):
    _, ours, sequences = fitted
    assert [encoding.ids for encoding in ours.backend_tokenizer.encode_batch(TEXTS)] == sequences
    assert [ours(text)["input_ids"] for text in TEXTS[-50:]] == sequences[-50:]  # one text: tokenizer.json
    ours.save_pretrained(tmp_path)
    plain = TokenizersBackend.from_pretrained(tmp_path)  # what AutoTokenizer gives without rnn_models
    encoded = plain(TEXTS, padding="max_length", truncation=True, max_length=40)
    assert encoded["input_ids"] == keras_pad(sequences, 40).tolist()
    encoded = plain(TEXTS[-300:], padding="max_length", truncation=True, max_length=1500)
    assert encoded["input_ids"] == keras_pad(sequences[-300:], 1500).tolist()


CALLS = [
    {"padding": padding, "truncation": truncation, "max_length": max_length, **extra}
    for padding in (True, "max_length", False)
    for truncation in (True, False)
    for max_length in (None, 5)
    for extra in ({}, {"pad_to_multiple_of": 4, "padding_side": "right"}, {"return_attention_mask": False})
]


@pytest.mark.filterwarnings("ignore:`max_length` is ignored")
@pytest.mark.parametrize("call", CALLS, ids=str)
@pytest.mark.parametrize("return_tensors", [None, "np"])
def test_batch_path_answers_like_tokenizer_json(call, return_tensors, tmp_path_factory):
    ours = RNNTokenizerFast.from_texts(FIT_TEXTS[:500], max_length=8)
    folder = tmp_path_factory.mktemp("tokenizer")
    ours.save_pretrained(folder)
    plain = TokenizersBackend.from_pretrained(folder)
    texts = ["", FIT_TEXTS[0], FIT_TEXTS[1] * 3, "the the the the the the the the the the the the"]
    outputs = []
    for tokenizer in (ours, plain):
        try:
            encoded = tokenizer(texts, return_tensors=return_tensors, **call)
            outputs.append(
                {key: [np.asarray(row).tolist() for row in value] for key, value in encoded.items()}
            )
        except ValueError as error:  # ragged tensors: both refuse
            outputs.append(type(error))
    assert outputs[0] == outputs[1]


EDGE_CASES = {
    "empty": "",
    "whitespace only": "  \t \n  ",
    "CR, NBSP, line separator are not separators": "a\rb c\xa0d e\u2028f g\x85h i\u3000j",
    "other ASCII whitespace is not a separator": "a\x0bb c\x0cd  e\x1cf\t\tg \r",
    "final sigma": "ΟΔΟΣ ΣΑΣ. Σ ΌΣΟΣ",
    "sigma and case-ignorables": "ΑΣ'Β ΑΣ' ΑΣ\u0301 ΑΣ.Β ΑΣ:Β Α\u0345Σ 1Σ ΑΣ1",
    "dotted capital I": "İstanbul İİ Iı",
    "capital sharp s": "STRAẞE straße",
    "titlecase digraphs": "ǅemal ǈuba ǋ",
    "pad token as text": "<pad> <pad > x",
    "private use and noncharacters": "\ue000 \ue001x \uf8ff \uf8fe \ufdd0 \ufdd1x \uffff",
    "newer than Python's Unicode": "\ua7cb \ua7cbx \U00010d50Σ ɤab \u1c89",
    "only filters": "!!! ??? ... <<>> \t\n",
    "emoji": "👍🏽 👨\u200d👩\u200d👧 🇫🇷 ❤️",
    "very long": " ".join(f"w{i % 997}" for i in range(4000)),
}


@pytest.mark.parametrize("text", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
@pytest.mark.parametrize("options", [{}, {"oov_token": "<OOV>", "num_words": 400}], ids=["defaults", "oov"])
def test_edge_case_is_keras(text, options):
    reference = FIT_TEXTS[:300]
    for fit_texts in ([*reference, text, text.upper()], reference):  # its words known / unknown
        keras, ours = fit_both(fit_texts, **options)
        texts = [text, text.upper(), text.lower(), reference[0]]
        sequences = keras.texts_to_sequences(texts)
        assert list(ours.word_index.items()) == list(keras.word_index.items())
        assert ours(texts)["input_ids"] == sequences
        assert [ours(t)["input_ids"] for t in texts] == sequences
        for max_length in (1500, 3):
            padded = ours(texts, padding="max_length", truncation=True, max_length=max_length)["input_ids"]
            assert padded == keras_pad(sequences, max_length).tolist()


# Separators, case-sensitive and case-ignorable characters, private use, noncharacters, Unicode 16, repeats.
SPECIAL = [
    *" !.,'\t\nΣσςΑαİIıiẞßǅ\u0345\u0301\xa0\u2028\ue000\uf8ff\ufdd0\ua7cb\U00010d50",
    "ab",
    "AB",
    "<pad>",
]
# Lone surrogates are not text tokenizers can take: test_lone_surrogates_are_rejected.
CHARACTERS = st.characters(exclude_categories=["Cs"])
TEXT = st.lists(st.one_of(CHARACTERS, st.sampled_from(SPECIAL)), max_size=30).map("".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fit_texts=st.lists(TEXT, max_size=8),
    texts=st.lists(TEXT, min_size=1, max_size=5),
    num_words=st.sampled_from([None, 0, 1, 2, 5]),
    oov_token=st.sampled_from([None, "<OOV>", "ab", "", "x y"]),
    lower=st.booleans(),
    split=st.sampled_from([" ", "\t", "x", "ς"]),
    filters=st.sampled_from([KERAS_FILTERS, "", "Σa!\u2028"]),
    max_length=st.sampled_from([1, 3, 60]),
)
def test_random_unicode_is_keras(fit_texts, texts, num_words, oov_token, lower, split, filters, max_length):
    options = dict(num_words=num_words, oov_token=oov_token, lower=lower, split=split, filters=filters)
    keras, ours = fit_both(fit_texts, **options)
    sequences = keras.texts_to_sequences(texts)
    assert list(ours.word_index.items()) == list(keras.word_index.items())
    assert list(ours.word_counts.items()) == list(keras.word_counts.items())
    assert ours(texts)["input_ids"] == sequences
    assert [encoding.ids for encoding in ours.backend_tokenizer.encode_batch(texts)] == sequences
    expected = keras_pad(sequences, max_length).tolist()
    assert ours(texts, padding="max_length", truncation=True, max_length=max_length)["input_ids"] == expected
    single = [
        ours(t, padding="max_length", truncation=True, max_length=max_length)["input_ids"] for t in texts
    ]
    assert single == expected


@pytest.mark.parametrize("where", ["fit", "encode"])
def test_lone_surrogates_are_rejected(where):
    tok = RNNTokenizerFast.from_texts(["a b"])
    with pytest.raises(ValueError, match="lone surrogate '\\\\ud800'"):
        RNNTokenizerFast.from_texts(["a", "b\ud800"]) if where == "fit" else tok(["a", "b\ud800"])


def test_from_keras_json_encodes_like_that_keras_tokenizer(tmp_path):
    keras = Tokenizer(num_words=200, oov_token="<unk>")
    keras.fit_on_texts(FIT_TEXTS)
    (tmp_path / "keras.json").write_text(keras.to_json(), encoding="utf-8")
    expected = keras_pad(keras.texts_to_sequences(TEXTS), 100)
    for source in (keras.to_json(), tmp_path / "keras.json", str(tmp_path / "keras.json")):
        ours = RNNTokenizerFast.from_keras_json(source, max_length=100)
        assert list(ours.word_index.items()) == list(keras.word_index.items())
        np.testing.assert_array_equal(
            ours(TEXTS, padding=True, truncation=True, return_tensors="np")["input_ids"], expected
        )
        assert [e.ids for e in ours.backend_tokenizer.encode_batch(TEXTS)] == keras.texts_to_sequences(TEXTS)


def test_saved_keras_tokenizer_json_loads_in_keras(tmp_path):
    ours = RNNTokenizerFast.from_texts(FIT_TEXTS, num_words=300)
    ours.save_pretrained(tmp_path)
    keras = tokenizer_from_json((tmp_path / "keras_tokenizer.json").read_text("utf-8"))
    assert keras.texts_to_sequences(TEXTS) == ours(TEXTS)["input_ids"]


BAD_JSON = {
    "malformed": ("{not json", r"not JSON \(.*\); expected Keras Tokenizer.to_json"),
    "a list": ("[1, 2]", "not a Keras Tokenizer.to_json"),
    "no word_index": ('{"class_name": "Tokenizer", "config": {"word_counts": "{}"}}', "KeyError"),
    "other class": (
        '{"class_name": "Other", "config": {"word_index": "{}", "word_counts": "{}"}}',
        "word-level",
    ),
    "char level": (
        '{"config": {"word_index": "{}", "word_counts": "{}", "char_level": true}}',
        "char_level=True",
    ),
    "bad index": ('{"config": {"word_index": "{\\"a\\": \\"x\\"}", "word_counts": "{}"}}', "integer >= 1"),
    "missing file": ("no/such/keras.json", "no/such/keras.json: cannot read it"),
}


@pytest.mark.parametrize(("source", "message"), list(BAD_JSON.values()), ids=list(BAD_JSON))
def test_from_keras_json_rejects_what_is_not_a_keras_tokenizer(source, message):
    with pytest.raises(ValueError, match=message):
        RNNTokenizerFast.from_keras_json(source)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"texts": ["ok", 3]}, r"texts\[1\] is int"),
        ({"texts": "one text"}, "is a str; expected a list of texts"),
        ({"split": "ab"}, "split='ab' is not supported"),
        ({"num_words": -1}, "num_words=-1"),
        ({"oov_token": 1}, "oov_token=1"),
        ({"lower": "yes"}, "lower='yes'"),
        ({"max_length": 0}, "max_length=0"),
    ],
)
def test_from_texts_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RNNTokenizerFast.from_texts(**{"texts": ["a b"], **kwargs})


def test_save_and_auto_tokenizer_round_trip(tmp_path):
    ours = RNNTokenizerFast.from_texts(FIT_TEXTS, num_words=500, oov_token="<OOV>", max_length=64)
    ours.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert type(loaded) is RNNTokenizerFast
    assert list(loaded.word_index.items()) == list(ours.word_index.items())
    assert list(loaded.word_counts.items()) == list(ours.word_counts.items())
    assert loaded.keras_vocabulary == ours.keras_vocabulary
    assert (loaded.padding_side, loaded.truncation_side, loaded.model_max_length) == ("left", "left", 64)
    assert (
        loaded(TEXTS, padding="max_length", truncation=True)["input_ids"]
        == ours(TEXTS, padding="max_length", truncation=True)["input_ids"]
    )
    assert len(loaded) == len(ours) == 500


def test_auto_tokenizer_without_rnn_models_gives_the_same_ids(tmp_path):
    ours = RNNTokenizerFast.from_texts(FIT_TEXTS, oov_token="<OOV>", max_length=32)
    model = RNNForSequenceClassification(RNNConfig(vocab_size=len(ours), embedding_dim=4, hidden_size=3))
    ours.save_pretrained(tmp_path / "tokenizer")
    model.save_pretrained(tmp_path / "model")
    ours.save_pretrained(tmp_path / "model")
    texts = TEXTS[-200:]
    code = f"""
        import json
        from transformers import AutoTokenizer
        texts = json.loads({json.dumps(json.dumps(texts))})
        for folder in ({str(tmp_path / "tokenizer")!r}, {str(tmp_path / "model")!r}):
            tok = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
            ids = tok(texts, padding="max_length", truncation=True)["input_ids"]
            print(json.dumps([type(tok).__name__, tok.padding_side, tok.model_max_length, ids]))
    """
    lines = run_without_rnn_models(code).strip().splitlines()[-2:]
    expected = ours(texts, padding="max_length", truncation=True)["input_ids"]
    for line in lines:
        assert json.loads(line) == ["TokenizersBackend", "left", 32, expected]


def test_text_classification_pipeline_end_to_end(tmp_path):
    tok = RNNTokenizerFast.from_texts(FIT_TEXTS[:500], max_length=50)
    config = RNNConfig(vocab_size=len(tok), embedding_dim=4, hidden_size=3, id2label={0: "toxic"})
    model = RNNForSequenceClassification(config).eval()
    text = FIT_TEXTS[1]
    with torch.no_grad():
        expected = torch.sigmoid(model(**tok(text, return_tensors="pt")).logits).item()
    result = pipeline("text-classification", model=model, tokenizer=tok)(text)
    assert result[0]["label"] == "toxic" and result[0]["score"] == pytest.approx(expected, abs=1e-6)
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    reloaded = pipeline("text-classification", model=str(tmp_path))
    assert type(reloaded.tokenizer) is RNNTokenizerFast
    assert reloaded(text)[0]["score"] == pytest.approx(expected, abs=1e-6)
