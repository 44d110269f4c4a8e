import json
import math
import zlib

import pytest
import torch
from helpers import run_without_rnn_models

from conftest import tiny_config
from rnn_models import RNNConfig, RNNForSequenceClassification
from rnn_models.model.bag_of_ngrams import NgramLogits, char_ngram_buckets

WORDS = ["", "you", "idiot", "thanks", "a"]  # id 0 is padding


def bag_config(**overrides) -> RNNConfig:
    fields = {"vocab_size": len(WORDS), "ngram_buckets": 97, "ngram_min_chars": 2, "ngram_max_chars": 3}
    return RNNConfig(**{**fields, **overrides})


def test_char_ngrams_are_fasttexts_marked_ngrams_hashed_with_crc32():
    expected = [1 + zlib.crc32(gram.encode()) % 999 for gram in ["<a", "ab", "b>", "<ab", "ab>"]]
    assert char_ngram_buckets("ab", 2, 3, 1000) == expected
    assert char_ngram_buckets("é", 2, 2, 50) == [1 + zlib.crc32(g.encode()) % 49 for g in ["<é", "é>"]]


def test_the_score_is_the_normalised_sum_of_each_feature_familys_weights():
    bag = NgramLogits(bag_config(ngram_learning_rate_scale=2.0))
    bag.set_vocabulary(WORDS)
    for table in (bag.char_ngram_weights, bag.word_weights, bag.word_pair_weights):
        torch.nn.init.normal_(table.weight)
    ids, mask = torch.tensor([[0, 1, 2]]), torch.tensor([[0, 1, 1]])  # "you idiot", left-padded

    grams = char_ngram_buckets("you", 2, 3, 97) + char_ngram_buckets("idiot", 2, 3, 97)
    pair = 1 + (1 * 1_000_003 + 2) % 96
    expected = (
        bag.char_ngram_weights.weight[grams].sum(0) / math.sqrt(len(grams))
        + bag.word_weights.weight[[1, 2]].sum(0) / math.sqrt(2)
        + bag.word_pair_weights.weight[pair]
    ) * 2.0
    torch.testing.assert_close(bag(ids, mask)[0], expected)


def test_words_past_the_per_word_limit_keep_their_first_ngrams():
    bag = NgramLogits(bag_config(ngram_max_per_word=4))
    bag.set_vocabulary(WORDS)
    assert bag.word_char_ngrams[2].tolist() == char_ngram_buckets("idiot", 2, 3, 97)[:4]
    assert bag.word_char_ngrams[0].tolist() == [0, 0, 0, 0]  # padding has none


def test_set_vocabulary_needs_one_word_per_id():
    with pytest.raises(ValueError, match=r"set_vocabulary got 2 words, expected config.vocab_size=5"):
        NgramLogits(bag_config()).set_vocabulary(["", "you"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"ngram_buckets": 1},
            r"ngram_buckets=1 is invalid; expected 0 \(no bag of n-grams\) or an integer >= 2",
        ),
        ({"ngram_min_chars": 4, "ngram_max_chars": 3}, r"ngram_min_chars=4 is larger than ngram_max_chars=3"),
        ({"ngram_max_per_word": 0}, r"ngram_max_per_word=0 is invalid; expected an integer >= 1"),
        ({"ngram_learning_rate_scale": 0}, r"ngram_learning_rate_scale=0 is invalid; expected a number > 0"),
    ],
)
def test_invalid_bag_settings_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        bag_config(**overrides)


def trained_like(config: RNNConfig) -> RNNForSequenceClassification:
    """A classifier with the bag whose weights are non-zero, as after training."""
    model = RNNForSequenceClassification.from_vectors(
        config, {w: i for i, w in enumerate(WORDS) if i}, torch.randn(len(WORDS), config.embedding_dim)
    ).eval()
    for table in (model.ngrams.char_ngram_weights, model.ngrams.word_weights, model.ngrams.word_pair_weights):
        torch.nn.init.normal_(table.weight)
    return model


def test_a_new_bag_starts_at_zero_and_learns():
    model = RNNForSequenceClassification.from_vectors(
        bag_config(embedding_dim=4, hidden_size=3),
        {w: i for i, w in enumerate(WORDS) if i},
        torch.randn(5, 4),
    )
    assert all(float(p.detach().abs().sum()) == 0.0 for p in model.ngrams.parameters())
    ids, labels = torch.tensor([[1, 2], [3, 4]]), torch.tensor([1.0, 0.0])
    model(ids, labels=labels).loss.backward()
    assert float(model.ngrams.char_ngram_weights.weight.grad.abs().sum()) > 0
    assert float(model.ngrams.word_weights.weight.grad[0].abs().sum()) == 0.0  # padding learns nothing


def test_padding_side_does_not_change_the_bags_score():
    model = trained_like(bag_config(embedding_dim=4, hidden_size=3))
    left = model(torch.tensor([[0, 0, 1, 2, 3]]), attention_mask=torch.tensor([[0, 0, 1, 1, 1]])).logits
    right = model(torch.tensor([[1, 2, 3, 0, 0]]), attention_mask=torch.tensor([[1, 1, 1, 0, 0]])).logits
    alone = model(torch.tensor([[1, 2, 3]])).logits
    torch.testing.assert_close(left, right)
    torch.testing.assert_close(left, alone)


def test_the_default_preset_round_trips_through_save_and_trust_remote_code(tmp_path):
    config = tiny_config("bilstm_ngrams", vocab_size=len(WORDS), ngram_buckets=97)
    model = trained_like(config)
    model.save_pretrained(tmp_path)
    loaded = RNNForSequenceClassification.from_pretrained(tmp_path).eval()
    ids, mask = torch.tensor([[0, 1, 2], [3, 4, 1]]), torch.tensor([[0, 1, 1], [1, 1, 1]])
    with torch.no_grad():
        expected = model(ids, attention_mask=mask).logits
        torch.testing.assert_close(loaded(ids, attention_mask=mask).logits, expected)
    assert torch.equal(loaded.ngrams.word_char_ngrams, model.ngrams.word_char_ngrams)
    assert loaded.get_input_embeddings().weight.requires_grad  # the preset fine-tunes its vectors

    code = f"""
import json, torch
from transformers import AutoModelForSequenceClassification
model = AutoModelForSequenceClassification.from_pretrained({str(tmp_path)!r}, trust_remote_code=True).eval()
with torch.no_grad():
    print(json.dumps(model(torch.tensor({ids.tolist()}), attention_mask=torch.tensor({mask.tolist()})).logits.tolist()))
"""
    remote = torch.tensor(json.loads(run_without_rnn_models(code).strip().splitlines()[-1]))
    torch.testing.assert_close(remote, expected)
