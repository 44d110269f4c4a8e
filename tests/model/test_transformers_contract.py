"""What the shipped model code relies on in transformers beyond its documented API, pinned: a transformers
release that changes it fails here, loudly, before a saved folder loads wrong.

Tested range: transformers 5.25.0 (pyproject.toml: ``transformers>=5.25,<6``).
"""

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForSequenceClassification

from conftest import tiny_config
from rnn_models import RNNConfig, RNNForSequenceClassification
from rnn_models.model.configuration_rnn import AUTO_MAP


def test_loaded_padding_row_and_forget_gate_bias_are_kept(tmp_path):
    """`_init_weights` writes the padding row (zeros) and the LSTM forget-gate bias (ones) by hand, skipping
    the tensors transformers marks as loaded (``_is_hf_initialized``). A converted Keras model has a trained
    row 0 and trained biases: loading must keep them."""
    model = RNNForSequenceClassification(tiny_config("lstm", keras_compatible=True))
    with torch.no_grad():
        model.get_input_embeddings().weight[0] = 0.5
        model.rnn.layers[0].rnn.bias_ih_l0.fill_(0.25)
    model.save_pretrained(tmp_path)
    for loaded in (
        RNNForSequenceClassification.from_pretrained(tmp_path),
        AutoModelForSequenceClassification.from_pretrained(tmp_path, trust_remote_code=True),
    ):
        assert torch.all(loaded.get_input_embeddings().weight[0] == 0.5), (
            "the loaded padding row was re-initialized: transformers no longer marks loaded tensors "
            "_is_hf_initialized (see rnn_models/model/weight_init.py, loaded)"
        )
        assert torch.all(loaded.rnn.layers[0].rnn.bias_ih_l0 == 0.25), "the loaded forget-gate bias was reset"


def test_a_module_loaded_in_part_keeps_its_loaded_tensors(tmp_path):
    """A checkpoint without one LSTM bias: transformers initializes that module, and `_init_weights` must spare
    the bias that was loaded (its forget-gate slice would otherwise be reset to 1)."""
    model = RNNForSequenceClassification(tiny_config("lstm"))
    with torch.no_grad():
        model.rnn.layers[0].rnn.bias_ih_l0.fill_(0.25)
    model.save_pretrained(tmp_path)
    weights = load_file(tmp_path / "model.safetensors")
    missing = [name for name in weights if name.endswith("bias_hh_l0")]
    save_file(
        {k: v for k, v in weights.items() if k not in missing},
        tmp_path / "model.safetensors",
        {"format": "pt"},
    )
    loaded = RNNForSequenceClassification.from_pretrained(tmp_path).rnn.layers[0].rnn
    assert missing and torch.all(loaded.bias_hh_l0 == 0)  # initialized: it was missing
    assert torch.all(loaded.bias_ih_l0 == 0.25), (
        "a loaded bias was re-initialized: transformers no longer marks loaded tensors _is_hf_initialized "
        "(see rnn_models/model/weight_init.py, loaded)"
    )


def test_a_new_model_gets_the_keras_initial_values():
    model = RNNForSequenceClassification(tiny_config("lstm", hidden_size=4))
    assert torch.all(model.get_input_embeddings().weight[0] == 0)
    bias = model.rnn.layers[0].rnn.bias_ih_l0
    assert bias[4:8].tolist() == [1.0] * 4 and bias[:4].tolist() == [0.0] * 4


def test_auto_map_lists_the_model_classes_only_when_their_code_is_shipped(tmp_path):
    """transformers puts the saved model's class into ``auto_map`` (and copies the code) before it saves the
    config; `RNNConfig.save_pretrained` completes the map from that entry."""
    RNNForSequenceClassification(tiny_config()).save_pretrained(tmp_path / "model")
    assert AutoConfig.from_pretrained(tmp_path / "model").auto_map == AUTO_MAP
    RNNConfig().save_pretrained(tmp_path / "config")  # no model code beside it
    assert AutoConfig.from_pretrained(tmp_path / "config").auto_map == {"AutoConfig": AUTO_MAP["AutoConfig"]}
