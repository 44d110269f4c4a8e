"""The blend's scales: per label, from out-of-sample spreads; the held-out rows are a seeded, disjoint share."""

import numpy as np
import pytest

from rnn_models.training.blend import blend_scales, split_blend_rows


def test_each_label_gets_its_own_scale_from_its_own_spreads():
    rng = np.random.default_rng(0)
    linear = rng.normal(0, [0.5, 2.0], size=(400, 2))
    recurrent = rng.normal(0, [4.0, 1.0], size=(400, 2))
    scales = blend_scales(linear, recurrent, 0.3)
    for k in range(2):
        assert np.std(scales[k] * recurrent[:, k]) == pytest.approx(0.3 * np.std(linear[:, k]))
    assert scales[1] > 10 * scales[0]  # one scale for both would give one label 4x, the other 1/4x its weight


def test_a_flat_recurrent_part_gets_no_weight():
    assert blend_scales(np.array([[1.0], [-1.0]]), np.array([[2.0], [2.0]]), 0.3) == [0.0]


@pytest.mark.parametrize(("rows", "share", "held"), [(1000, 0.1, 100), (9, 0.1, 1), (2, 0.9, 1)])
def test_the_held_out_rows_are_a_disjoint_seeded_share(rows, share, held):
    network, held_out = split_blend_rows(rows, share, seed=42)
    assert len(held_out) == held and sorted([*network, *held_out]) == list(range(rows))
    assert [a.tolist() for a in split_blend_rows(rows, share, seed=42)] == [
        network.tolist(),
        held_out.tolist(),
    ]
    assert split_blend_rows(rows, share, seed=43)[1].tolist() != held_out.tolist() or rows < 10
