"""Scoring shares: every batch is scored by exactly one process, and the shares put together are one process's scores."""

import numpy as np
import pytest
import torch

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.serving.inference import length_sorted_batches, predict_scores
from rnn_models.serving.sharding import Shard, all_gather, broadcast, current_shard

TEXTS = [" ".join(["good"] * (i % 7) + ["bad"] * (i % 3)) for i in range(23)]


@pytest.mark.parametrize("num_shards", [1, 2, 3, 7])
def test_shards_take_every_batch_once_and_rounds_count_every_row(num_shards):
    batches = length_sorted_batches([len(t) for t in TEXTS], batch_size=4)  # 6 batches, the last of 3 rows
    taken = [Shard(rank, num_shards).take(batches) for rank in range(num_shards)]
    rows = sorted(int(i) for share in taken for batch, _ in share for i in batch)
    assert rows == list(range(len(TEXTS)))
    # Rank 0 takes part in every round: its bar advances by all the rows in the end.
    assert sum(round_rows for _, round_rows in taken[0]) == len(TEXTS)


def test_shards_of_predict_scores_make_the_one_process_scores():
    tokenizer = RNNTokenizerFast.from_texts(TEXTS)
    torch.manual_seed(0)
    model = RNNForSequenceClassification(tiny_config("bilstm", vocab_size=len(tokenizer))).eval()
    alone = predict_scores(model, tokenizer, TEXTS, batch_size=4)
    shares = [predict_scores(model, tokenizer, TEXTS, batch_size=4, shard=Shard(r, 2)) for r in range(2)]
    assert not np.isnan(alone).any()
    assert all(np.isnan(share).any() for share in shares)  # each holds only its rows
    merged = np.where(np.isnan(shares[0]), shares[1], shares[0])
    np.testing.assert_array_equal(merged, alone)  # bit for bit: each row met the same batch-mates


def test_one_process_without_a_launcher(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert current_shard() == Shard(0, 1, None)
    scores = np.array([[0.25], [np.nan]])
    assert all_gather(scores, Shard())[0] is scores and broadcast(scores, Shard()) is scores
