"""One reader of Keras tokenizer JSON: `RNNTokenizerFast.from_keras_json` and `convert-keras`'s reader load every
form the same way, with the same notes, and encode as Keras does."""

import json
import warnings

import pytest
from keras_preprocessing.text import Tokenizer

from rnn_models.keras.tokenizer_files import read_keras_tokenizer
from rnn_models.text.keras_json import read_keras_json
from rnn_models.text.tokenization_rnn import RNNTokenizerFast

FIT = ["the cat sat", "the dog sat down", "a cat"]
TEXTS = ["The cat, the DOG!", "a bird sat"]


def keras_to_json() -> tuple[str, list[list[int]]]:
    keras = Tokenizer(num_words=5, oov_token="<unk>")
    keras.fit_on_texts(FIT)
    return keras.to_json(), keras.texts_to_sequences(TEXTS)


HAND_SET = {"class_name": "Tokenizer", "config": {
    "word_counts": "{}", "word_index": json.dumps({"<PAD>": 0, "the": 1, "cat": 2, "sat": 3}), "oov_token": "?",
}}  # fmt: skip
# form -> (file text, the sequences of TEXTS, the notes it must give)
FORMS = {
    "to_json()": (keras_to_json()[0], keras_to_json()[1], []),
    "to_json() dumped again": (json.dumps(keras_to_json()[0]), keras_to_json()[1], []),
    "word_index alone": (json.dumps({"the": 1, "cat": 2, "sat": 3}), [[1, 2, 1], [3]], ["holds a word_index alone"]),
    "index set by hand": (
        json.dumps(HAND_SET), [[1, 2, 1], [3]],
        ["oov_token='?' is not in its word_index", "1 word(s) have index 0, the padding id ('<PAD>')"],
    ),
}  # fmt: skip


def read_with_notes(read, path):
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always")
        result = read(path)
    return result, [str(note.message) for note in notes]


@pytest.mark.parametrize(("text", "sequences", "notes"), list(FORMS.values()), ids=list(FORMS))
def test_both_entry_points_read_every_form_alike(text, sequences, notes, tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text(text, encoding="utf-8")
    converted, converted_notes = read_with_notes(read_keras_tokenizer, path)
    fast, fast_notes = read_with_notes(lambda p: RNNTokenizerFast.from_keras_json(p, max_length=10), path)
    assert converted.texts_to_sequences(TEXTS) == sequences
    assert [encoding.ids for encoding in fast.backend_tokenizer.encode_batch(TEXTS)] == sequences
    assert fast.word_index == converted.word_index
    assert converted_notes == fast_notes
    assert [any(expected in note for note in fast_notes) for expected in notes] == [True] * len(notes)
    assert len(fast_notes) == len(notes)


def test_json_text_and_its_file_read_alike(tmp_path):
    text, sequences, _ = FORMS["to_json()"]
    (tmp_path / "t.json").write_text(text, encoding="utf-8")
    for source in (text, tmp_path / "t.json", str(tmp_path / "t.json")):
        assert read_keras_json(source).texts_to_sequences(TEXTS) == sequences
