"""Keras tokenizer files as their owners saved them: to_json() output (also double-encoded) and pickles of every
Keras release, read without running anything a pickle holds."""

import json
import os
import pickle
import sys
import types
from pathlib import Path

import pytest

from rnn_models.keras.tokenizer_files import read_keras_tokenizer

FIXTURES = Path(__file__).parents[1] / "data" / "keras2"
TEXTS = json.loads((FIXTURES / "texts.json").read_text())
TOKENIZERS = ["tokenizer_tf215.pickle", "tokenizer_keras_preprocessing.pkl", "tokenizer_keras3.pkl"]


@pytest.mark.parametrize("name", TOKENIZERS)
def test_pickled_tokenizers_of_every_keras_release_give_keras_sequences(name):
    expected = json.loads((FIXTURES / name).with_suffix(".sequences.json").read_text())
    assert read_keras_tokenizer(FIXTURES / name).texts_to_sequences(TEXTS) == expected


class RunsACommand:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


class Tokenizer:
    """Stands in for keras-preprocessing's Tokenizer when pickling: the pickle names the real class."""


Tokenizer.__module__ = "keras_preprocessing.text"


def stand_in_module(monkeypatch) -> None:
    """``keras_preprocessing.text.Tokenizer`` is `Tokenizer` while the test runs (pickle looks it up)."""
    package, module = types.ModuleType("keras_preprocessing"), types.ModuleType(Tokenizer.__module__)
    module.Tokenizer, package.text = Tokenizer, module
    monkeypatch.setitem(sys.modules, "keras_preprocessing", package)
    monkeypatch.setitem(sys.modules, Tokenizer.__module__, module)


def tampered_tokenizer_pickle(marker: Path, protocol: int, monkeypatch) -> bytes:
    """A tokenizer pickle with a code-running object hidden in one of its fields."""
    stand_in_module(monkeypatch)
    tokenizer = Tokenizer()
    tokenizer.__dict__.update(word_counts={"a": 1}, word_index={"a": 1}, oov_token=RunsACommand(marker))
    return pickle.dumps(tokenizer, protocol=protocol)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_pickle_that_would_run_code_is_refused_and_never_runs(tmp_path, protocol, monkeypatch):
    marker = tmp_path / "it-ran"
    alone, inside = tmp_path / "evil.pkl", tmp_path / "tokenizer.pkl"
    alone.write_bytes(pickle.dumps(RunsACommand(marker), protocol=protocol))
    inside.write_bytes(tampered_tokenizer_pickle(marker, protocol, monkeypatch))
    for path in (alone, inside):
        with pytest.raises(ValueError) as error:
            read_keras_tokenizer(path)
        assert str(error.value).startswith(f"{path}: not loaded (it asks for {os.system.__module__}.system)")
        assert "only pickles of a Keras Tokenizer" in str(error.value)
    assert not marker.exists()


def test_the_stand_in_pickle_without_the_hidden_object_reads_as_a_tokenizer(tmp_path, monkeypatch):
    # The tampered pickle above is refused for its hidden object, not for its shape.
    path = tmp_path / "tokenizer.pkl"
    stand_in_module(monkeypatch)
    tokenizer = Tokenizer()
    tokenizer.__dict__.update(word_counts={"a": 2, "b": 1}, word_index={"a": 1, "b": 2}, num_words=None)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        path.write_bytes(pickle.dumps(tokenizer, protocol=protocol))
        assert read_keras_tokenizer(path).texts_to_sequences(["b a c"]) == [[2, 1]]


def keras_json(path: Path) -> str:
    """What ``tokenizer.to_json()`` gives for the pickled tokenizer in ``path``."""
    return read_keras_tokenizer(path).to_keras_json()


def test_to_json_output_and_double_encoded_json_read_the_same(tmp_path):
    source = FIXTURES / "tokenizer_tf215.pickle"
    expected = json.loads(source.with_suffix(".sequences.json").read_text())
    plain, double = tmp_path / "tokenizer.json", tmp_path / "double.json"
    plain.write_text(keras_json(source))
    with double.open("w") as handle:  # json.dump(tokenizer.to_json(), f): a JSON string holding the JSON
        json.dump(keras_json(source), handle)
    for path in (plain, double):
        vocabulary = read_keras_tokenizer(path)
        assert (vocabulary.num_words, vocabulary.oov_token) == (12, "<unk>")
        assert vocabulary.texts_to_sequences(TEXTS) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"the": 1, "cat": -1}', r"word_index has an index that is not an integer >= 1"),
        (b'{"class_name": "Tokenizer"}', r"not a Keras Tokenizer.to_json\(\) output"),
        (
            b"\xff\xfe garbage",
            r"neither JSON nor a pickle; expected Keras Tokenizer.to_json\(\) output or a pickled",
        ),
        (b"{not json", r"not JSON \(.*\); expected Keras Tokenizer.to_json\(\) output"),
        (pickle.dumps({"word_index": {"a": 1}}), r"the pickle holds a dict, not a Keras Tokenizer"),
        (pickle.dumps(["x"])[:-3], r"not loaded \(.*\); only pickles of a Keras Tokenizer"),
    ],
)
def test_bad_tokenizer_files_are_refused_in_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "tokenizer.bin"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"^{path}: {message}") as error:
        read_keras_tokenizer(path)
    assert "\n" not in str(error.value)


def test_a_word_index_alone_reads_with_keras_defaults_and_says_so(tmp_path):
    path = tmp_path / "word_index.json"
    path.write_text(json.dumps({"<OOV>": 1, "you": 2, "are": 3, "great": 4}))
    with pytest.warns(UserWarning, match=r"holds a word_index alone; .* oov_token='<OOV>'\)"):
        vocabulary = read_keras_tokenizer(path)
    assert vocabulary.texts_to_sequences(["You are GREAT, fool!"]) == [[2, 3, 4, 1]]
    path.write_text(json.dumps({"you": 1, "are": 2}))
    with pytest.warns(UserWarning, match=r"oov_token=None"):
        assert read_keras_tokenizer(path).texts_to_sequences(["you fool are"]) == [[1, 2]]


def test_a_word_index_set_by_hand_reads_as_keras_reads_it_with_notes(tmp_path, monkeypatch):
    # Seen in a public project: tokenizer.word_index = imdb.get_word_index() shifted by hand, with "<PAD>": 0,
    # an oov_token missing from it and no counts; Keras then gives None for unknown words.
    stand_in_module(monkeypatch)
    tokenizer = Tokenizer()
    word_index = {"<PAD>": 0, "the": 1, "movie": 2, "great": 3, "rare": 7}
    fields = {
        "word_counts": {},
        "word_index": word_index,
        "num_words": 5,
        "oov_token": "<OOV>",
        "lower": True,
    }
    tokenizer.__dict__.update(fields)
    path = tmp_path / "tokenizer.pickle"
    path.write_bytes(pickle.dumps(tokenizer))
    with pytest.warns(UserWarning) as notes:
        vocabulary = read_keras_tokenizer(path)
    messages = [str(note.message) for note in notes]
    assert any("oov_token='<OOV>' is not in its word_index" in message for message in messages)
    assert any("1 word(s) have index 0, the padding id ('<PAD>')" in message for message in messages)
    # Keras: known words below num_words keep their ids, "rare" (7 >= num_words) is dropped.
    assert vocabulary.texts_to_sequences(["The great rare movie"]) == [[1, 3, 2]]


def test_a_git_lfs_pointer_is_named_as_such(tmp_path):
    path = tmp_path / "tokenizer.pickle"
    path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:a38e\nsize 1860440\n")
    with pytest.raises(
        ValueError, match=r"^tokenizer\.pickle: a Git LFS pointer, not the file itself; fetch it with"
    ):
        read_keras_tokenizer(path)


def test_to_json_output_takes_the_same_checks_as_a_pickle(tmp_path):
    config = {
        "word_counts": "{}",
        "word_index": json.dumps({"<PAD>": 0, "the": 1, "movie": 2}),
        "oov_token": "?",
    }
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps({"class_name": "Tokenizer", "config": config}))
    with pytest.warns(UserWarning, match=r"oov_token='\?' is not in its word_index"):
        assert read_keras_tokenizer(path).texts_to_sequences(["the new movie"]) == [[1, 2]]
    path.write_text(json.dumps({"class_name": "Tokenizer", "config": {**config, "char_level": True}}))
    with pytest.raises(
        ValueError, match=r"tokenizer\.json: expected a word-level Keras Tokenizer, got a character-level one"
    ):
        read_keras_tokenizer(path)
    path.write_text(json.dumps({"class_name": "TextVectorization", "config": config}))
    with pytest.raises(
        ValueError, match=r"tokenizer\.json: expected a word-level Keras Tokenizer, got TextVectorization"
    ):
        read_keras_tokenizer(path)
