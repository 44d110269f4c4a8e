"""Length-grouped batches sorted within small random mega-batches, wired through the Trainer."""

import datasets
import pytest
import torch
from torch.utils.data import RandomSampler
from transformers.trainer_pt_utils import LengthGroupedSampler

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification
from rnn_models.training.job import RNNTrainingArguments
from rnn_models.training.sampling import MegaBatchLengthGroupedSampler
from rnn_models.training.trainer import RNNTrainer


def test_each_mega_batch_is_sorted_by_length_and_every_row_comes_once():
    lengths = torch.randint(1, 100, (96,), generator=torch.Generator().manual_seed(1)).tolist()
    sampler = MegaBatchLengthGroupedSampler(
        4, lengths=lengths, mega_batch_mult=3, generator=torch.Generator().manual_seed(0)
    )
    order = list(sampler)
    assert sorted(order) == list(range(96)) and lengths[order[0]] == max(lengths)  # the longest first
    windows = [[lengths[i] for i in order[start : start + 12]] for start in range(0, 96, 12)]
    unsorted = [w for w in windows if w != sorted(w, reverse=True)]
    assert len(unsorted) <= 1  # only where the longest row was swapped out to the front


def test_small_mega_batches_mix_lengths_more_than_transformers_default():
    lengths = list(range(1, 1025))

    def mean_spread(sampler) -> float:
        order = list(sampler)
        batches = [[lengths[i] for i in order[s : s + 8]] for s in range(0, len(order), 8)]
        return sum(max(b) - min(b) for b in batches) / len(batches)

    default = LengthGroupedSampler(8, lengths=lengths, generator=torch.Generator().manual_seed(0))
    mixed = MegaBatchLengthGroupedSampler(
        8, lengths=lengths, mega_batch_mult=2, generator=torch.Generator().manual_seed(0)
    )
    assert mean_spread(mixed) > 3 * mean_spread(default)


def trainer_for(tmp_path, **arguments) -> RNNTrainer:
    rows = datasets.Dataset.from_dict(
        {"input_ids": [[1] * (i % 7 + 1) for i in range(64)], "labels": [0.0] * 64}
    )
    model = RNNForSequenceClassification(tiny_config("lstm"))
    args = RNNTrainingArguments(
        output_dir=str(tmp_path), per_device_train_batch_size=4, eval_strategy="no", **arguments
    )
    return RNNTrainer(model=model, args=args, train_dataset=rows)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"length_group_mega_batches": 4}, MegaBatchLengthGroupedSampler),
        ({}, LengthGroupedSampler),
        ({"length_group_mega_batches": 0}, LengthGroupedSampler),
        ({"train_sampling_strategy": "random"}, RandomSampler),
    ],
)
def test_trainer_picks_the_sampler_from_the_arguments(tmp_path, arguments, expected):
    sampler = trainer_for(tmp_path, **arguments)._get_train_sampler()
    assert type(sampler) is expected
    if expected is MegaBatchLengthGroupedSampler:
        assert sampler.mega_batch_mult == 4 and sampler.lengths[:3] == [1, 2, 3]


def test_a_negative_mega_batch_count_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"length_group_mega_batches=-1: expected a number of batches >= 1"):
        RNNTrainingArguments(output_dir=str(tmp_path), length_group_mega_batches=-1)
