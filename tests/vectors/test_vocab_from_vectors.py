"""Words the training texts lack keep their pretrained vectors (``--vocab_from_vectors N``), layer by layer:
the tokenizer's ids, the vectors loader, the embedding matrix, training, and the saved folder.
"""

import json

import numpy as np
import pytest
import torch
from builders import arguments, word2vec_binary
from helpers import run_without_rnn_models
from transformers import AutoTokenizer, TokenizersBackend

from rnn_models import RNNTokenizerFast
from rnn_models.commands.cli import main
from rnn_models.commands.train import save_run
from rnn_models.serving.inference import load_model, predict_scores
from rnn_models.text.keras_vocabulary import KerasVocabulary
from rnn_models.training.job import train
from rnn_models.vectors import build_embedding_matrix, load_vectors

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")  # huggingface_hub's upload

TRAIN = ["the cat sat on the mat", "a dog sat"]
# File order = frequency order. "The", "n-t" and "sat" can never be added: upper-case, a filtered
# character, already a training word.
VECTOR_WORDS = ["the", "The", "fox", "n-t", "sat", "owl", "cat", "emu", "yak"]


def vectors_file(tmp_path, words=VECTOR_WORDS, dim=3):
    path = tmp_path / "vectors.txt"
    rows = [f"{w} " + " ".join(str(float(i * dim + j)) for j in range(dim)) for i, w in enumerate(words)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_training_ids_stay_keras_and_new_words_follow_them():
    keras = RNNTokenizerFast.from_texts(TRAIN)
    extended = keras.extend_from_vectors(VECTOR_WORDS, 2)
    assert extended.word_index == keras.word_index  # Keras's dict, unchanged
    assert extended.vectors_words == ["fox", "owl"]  # the 2 most frequent new words Keras can produce
    assert extended(TRAIN)["input_ids"] == keras(TRAIN)["input_ids"]
    rows = keras.keras_vocabulary.keras_rows  # 8: padding + 7 words
    # A new word in the vectors gets its id; "emu" (past N) and "zebra" (in neither) are dropped, as in Keras.
    assert extended(["the fox and the owl", "emu zebra"])["input_ids"] == [[1, rows, 1, rows + 1], []]
    assert extended.embedding_rows == rows + 2 and len(extended) == rows + 2
    assert keras.extend_from_vectors(VECTOR_WORDS, 0).vectors_words == []
    assert keras.extend_from_vectors(VECTOR_WORDS).vectors_words == ["fox", "owl", "emu", "yak"]  # None: all


def test_oov_token_and_num_words_cap():
    oov = RNNTokenizerFast.from_texts(TRAIN, oov_token="<unk>").extend_from_vectors(VECTOR_WORDS, 1)
    assert oov(["fox zebra"])["input_ids"] == [[oov.keras_vocabulary.keras_rows, 1]]  # zebra -> oov id 1
    # num_words=3 keeps ids 1-2; "cat" (id 3, past the cap) stays dropped as in Keras, never re-added.
    capped = RNNTokenizerFast.from_texts(TRAIN, num_words=3).extend_from_vectors(VECTOR_WORDS, None)
    assert capped.vectors_words == ["fox", "owl", "emu", "yak"]
    assert capped(["the sat cat fox yak"])["input_ids"] == [[1, 2, 3, 6]]
    assert capped.embedding_index == {"the": 1, "sat": 2, "fox": 3, "owl": 4, "emu": 5, "yak": 6}


def test_batch_path_equals_tokenizer_json_and_round_trips(tmp_path):
    tok = RNNTokenizerFast.from_texts(TRAIN, max_length=8).extend_from_vectors(VECTOR_WORDS, 3)
    texts = ["The FOX sat, the emu!", "owl", "yak yak cat", ""]
    batch = tok(texts, padding="max_length", truncation=True)["input_ids"]
    assert batch == [tok(t, padding="max_length", truncation=True)["input_ids"] for t in texts]
    tok.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "vectors_words.json").read_text()) == ["fox", "owl", "emu"]
    assert json.loads((tmp_path / "keras_tokenizer.json").read_text())["config"]["word_index"] == json.dumps(
        tok.word_index
    )  # still Keras's own file
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert type(loaded) is RNNTokenizerFast and loaded.keras_vocabulary == tok.keras_vocabulary
    assert loaded(texts, padding="max_length", truncation=True)["input_ids"] == batch
    plain = TokenizersBackend.from_pretrained(tmp_path)  # what a Python without rnn-models loads
    assert plain(texts, padding="max_length", truncation=True)["input_ids"] == batch


def test_saving_a_plain_tokenizer_over_an_extended_one_forgets_the_words(tmp_path):
    RNNTokenizerFast.from_texts(TRAIN).extend_from_vectors(VECTOR_WORDS).save_pretrained(tmp_path)
    RNNTokenizerFast.from_texts(TRAIN).save_pretrained(tmp_path)
    assert AutoTokenizer.from_pretrained(tmp_path).vectors_words == []


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["cat"], "vectors_words holds 'cat', already in word_index"),
        (["Fox"], "vectors_words holds 'Fox', which this tokenizer's text splitting never gives"),
        (["fox", "fox"], "holds a word twice"),
    ],
)
def test_bad_vectors_words_are_refused(words, message):
    with pytest.raises(ValueError, match=message):
        KerasVocabulary.fit(TRAIN).with_vectors_words(words)


def test_unreadable_vectors_words_file_is_named(tmp_path):
    RNNTokenizerFast.from_texts(TRAIN).save_pretrained(tmp_path)
    (tmp_path / "vectors_words.json").write_text('{"fox": 1}')
    with pytest.raises(ValueError, match=r"vectors_words\.json: expected a JSON list of words"):
        AutoTokenizer.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="max_words=-1 is invalid"):
        RNNTokenizerFast.from_texts(TRAIN).extend_from_vectors(VECTOR_WORDS, -1)


@pytest.mark.parametrize("binary", [False, True], ids=["glove-text", "word2vec-binary"])
def test_loader_reads_the_vocabulary_and_the_first_new_words(tmp_path, binary):
    if binary:
        path = tmp_path / "vectors.bin"
        matrix = np.arange(len(VECTOR_WORDS) * 3, dtype=np.float32).reshape(-1, 3)
        path.write_bytes(word2vec_binary([w.encode() for w in VECTOR_WORDS], matrix))
    else:
        path = vectors_file(tmp_path)
    tok = RNNTokenizerFast.from_texts(TRAIN)
    vectors = load_vectors(path, vocab=tok, vocab_from_vectors=2, cache=False)
    assert vectors.words == ["the", "fox", "sat", "owl", "cat"]  # file order; "emu" / "yak" not read
    extended = tok.extend_from_vectors(vectors, 2)
    matrix, report = build_embedding_matrix(extended, vectors)
    assert matrix.shape == (extended.embedding_rows, 3)
    np.testing.assert_array_equal(matrix[extended.embedding_index["owl"]], [15, 16, 17])
    np.testing.assert_array_equal(matrix[extended.embedding_index["cat"]], [18, 19, 20])
    # The coverage is of the texts' 7 words; the 2 words from the vectors are counted apart.
    assert (report.vocab_words, report.found_words, report.vectors_words) == (7, 3, 2)
    assert "2 more words the texts lack added from the vectors" in str(report)
    assert load_vectors(path, vocab=tok, cache=False).words == ["the", "sat", "cat"]  # N = 0: as before
    everything = load_vectors(path, vocab=tok, vocab_from_vectors=None, cache=False)
    assert tok.extend_from_vectors(everything).vectors_words == ["fox", "owl", "emu", "yak"]


def test_a_malformed_row_outside_the_vocabulary_is_skipped_not_taken(tmp_path):
    path = vectors_file(tmp_path)
    path.write_text(path.read_text().replace("fox 6.0 7.0 8.0", "fox 6.0 7.0"))  # one value short
    vectors = load_vectors(path, vocab=RNNTokenizerFast.from_texts(TRAIN), vocab_from_vectors=1, cache=False)
    assert vectors.words == ["the", "sat", "owl", "cat"]  # the next well-formed new word instead


def test_cache_tells_word_counts_apart(tmp_path):
    path, tok = vectors_file(tmp_path), RNNTokenizerFast.from_texts(TRAIN)
    assert len(load_vectors(path, vocab=tok, vocab_from_vectors=1)) == 4
    assert len(load_vectors(path, vocab=tok, vocab_from_vectors=3)) == 6
    cached = load_vectors(path, vocab=tok, vocab_from_vectors=1)
    assert cached.stats.from_cache and cached.words == ["the", "fox", "sat", "cat"]


# Words no training text holds, with vectors like the toxic / friendly ones of test_training.make_dataset.
NEW_WORDS = {"imbecile": 1.0, "gracious": -1.0, "nitwit": 1.0}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same training with the Keras vocabulary and with every word of the vectors (saved as
    `rnn-models train` saves it, the table stored in float16)."""
    out = {}
    for n in (0, -1):
        folder = tmp_path_factory.mktemp("vocab")
        options = ["--vocab_from_vectors", str(n), "--embedding_storage_dtype", "float16"]
        model_args, data_args, args = arguments(folder, *options)
        with open(model_args.vectors, "a", encoding="utf-8") as vectors:
            vectors.writelines(f"{word} {sign} 0 0 0 0 0 0 0\n" for word, sign in NEW_WORDS.items())
        out[n] = train(model_args, data_args, args)
        save_run(out[n], model_args, data_args, args)
        out[n].folder = args.output_dir
    return out


def test_training_is_unchanged_by_words_from_the_vectors(runs):
    """Training texts hold none of the new words and no initial weight depends on the vocabulary size, so
    every trained weight is identical (the quality benchmark relies on it: scripts/bench_vocab.py)."""
    keras, extended = (runs[n].trainer.model.state_dict() for n in (0, -1))
    assert runs[-1].tokenizer.vectors_words == list(NEW_WORDS)
    assert runs[-1].tokenizer.word_index == runs[0].tokenizer.word_index
    for name, tensor in keras.items():  # the table: the same rows, then the new words' vectors
        assert torch.equal(extended[name][: len(tensor)], tensor), name
    table = runs[-1].trainer.model.get_input_embeddings().weight
    assert table[-3:, 0].tolist() == list(NEW_WORDS.values()) and not table.requires_grad


def test_cli_rejects_a_negative_count_before_reading_data(tmp_path, capsys):
    argv = ["train", "--vocab_from_vectors", "-2", "--train_file", str(tmp_path / "absent.csv")]
    assert main([*argv, "--output_dir", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err
    assert (
        error
        == "rnn-models train: error: --vocab_from_vectors -2 is invalid; expected -1 (all), 0 or a word count.\n"
    )
    assert not (tmp_path / "out").exists()


def test_pushed_model_scores_new_words_without_rnn_models(runs, local_hub):
    run, repo = runs[-1], "tester/vocab-from-vectors"
    assert main(["push", "--model", run.folder, "--repo_id", repo]) == 0
    assert json.loads(local_hub.files(repo)["vectors_words.json"]) == list(NEW_WORDS)
    texts = ["you imbecile", "you zzzz", "you gracious"]
    code = f"""
        import json
        from transformers import pipeline
        classify = pipeline("text-classification", model={repo!r}, trust_remote_code=True)
        print(json.dumps([classify.tokenizer({texts!r})["input_ids"], [r["score"] for r in classify({texts!r})]]))
    """
    ids, scores = json.loads(run_without_rnn_models(code, env=local_hub.env()).strip().splitlines()[-1])
    you, index = run.tokenizer.word_index["you"], run.tokenizer.embedding_index
    assert ids == [[you, index["imbecile"]], [you], [you, index["gracious"]]]
    # The new insult scores as toxic by its vector alone; the unknown word is dropped, as in Keras.
    assert scores[0] > scores[1] > scores[2]
    model, tokenizer = load_model(run.folder, device="cpu")
    assert scores == pytest.approx(predict_scores(model, tokenizer, texts)[:, 0].tolist(), abs=1e-6)
