"""A saved folder works through trust_remote_code where rnn-models is not installed."""

import json

import pytest
import torch
from helpers import run_without_rnn_models

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification

IDS = [[0, 0, 5, 6, 7], [3, 4, 0, 0, 0], [9, 8, 7, 6, 5]]
MASK = [[0, 0, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]

CHILD = """
import json, sys, torch
from transformers import AutoModel, AutoModelForSequenceClassification
try:
    import rnn_models
    raise SystemExit("rnn_models should not be importable here")
except ImportError:
    pass
folder, ids, mask = sys.argv[1], torch.tensor(IDS), torch.tensor(MASK)
classifier = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
base = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
with torch.no_grad():
    logits = classifier(ids, attention_mask=mask).logits
    pooled = base(ids, attention_mask=mask).pooler_output
print(json.dumps({
    "classifier": type(classifier).__name__,
    "base": type(base).__name__,
    "module": type(classifier).__module__,
    "frozen": not classifier.get_input_embeddings().weight.requires_grad,
    "logits": logits.tolist(),
    "pooled": pooled.tolist(),
}))
"""


# A converted Keras model's shape: a stack that differs per layer, a hidden head, Keras re-padding.
CONVERTED = {
    "recurrent_layers": [
        {"bidirectional": True},
        {"cell": "gru", "hidden_size": 3, "gru_reset_after": False},
    ],
    "pooling": "max",
    "head_layers": [
        {"type": "dense", "units": 5, "activation": "relu"},
        {"type": "batch_norm", "epsilon": 0.001, "momentum": 0.01},
        {"type": "dropout", "rate": 0.5},
        {"type": "activation", "activation": "leaky_relu", "negative_slope": 0.3},
    ],
    "keras_compatible": True,
    "keras_padding": "post",
    "max_length": 6,
}


@pytest.mark.parametrize("overrides", [{}, CONVERTED], ids=["bilstm", "converted_keras_shape"])
def test_trust_remote_code_without_the_package_gives_identical_outputs(tmp_path, overrides):
    model = RNNForSequenceClassification(tiny_config("bilstm", **overrides)).eval()
    if overrides:  # statistics of a trained BatchNormalization, not the initial ones
        model.head[1].running_mean.uniform_(-1, 1)
        model.head[1].running_var.uniform_(0.5, 2)
    model.load_embedding_matrix(torch.randn(30, 6))
    model.save_pretrained(tmp_path)
    code = f"IDS = {IDS}\nMASK = {MASK}\n" + CHILD.replace("sys.argv[1]", repr(str(tmp_path)))
    result = json.loads(run_without_rnn_models(code).strip().splitlines()[-1])

    assert result["classifier"] == "RNNForSequenceClassification" and result["base"] == "RNNModel"
    assert result["module"].startswith("transformers_modules.")
    assert result["frozen"]
    ids, mask = torch.tensor(IDS), torch.tensor(MASK)
    with torch.no_grad():
        torch.testing.assert_close(torch.tensor(result["logits"]), model(ids, attention_mask=mask).logits)
        torch.testing.assert_close(torch.tensor(result["pooled"]), model.rnn(ids, mask).pooler_output)
