"""The head of converted Keras models: modules built from config.head_layers, Keras's activation formulas."""

import math

import pytest
import torch

from rnn_models import RNNConfig, RNNForSequenceClassification
from rnn_models.model.classifier_head import ClassifierHead, activation_function
from rnn_models.model.configuration_rnn import ACTIVATIONS

X = torch.tensor([-2.0, -0.5, 0.0, 0.7, 3.0])
# Keras's definitions, written out (keras.activations): the converted head must give the same numbers.
KERAS = {
    "linear": lambda x: x,
    "relu": lambda x: max(x, 0.0),
    "relu6": lambda x: min(max(x, 0.0), 6.0),
    "leaky_relu": lambda x: x if x > 0 else 0.2 * x,
    "elu": lambda x: x if x > 0 else math.exp(x) - 1,
    "selu": lambda x: 1.0507009873554805 * (x if x > 0 else 1.6732632423543772 * (math.exp(x) - 1)),
    "gelu": lambda x: 0.5 * x * (1 + math.erf(x / math.sqrt(2))),
    "gelu_tanh": lambda x: 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    "tanh": math.tanh,
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "swish": lambda x: x / (1 + math.exp(-x)),
    "silu": lambda x: x / (1 + math.exp(-x)),
    "mish": lambda x: x * math.tanh(math.log1p(math.exp(x))),
    "softplus": lambda x: math.log1p(math.exp(x)),
    "softsign": lambda x: x / (1 + abs(x)),
    "exponential": math.exp,
}


@pytest.mark.parametrize("name", sorted(KERAS))
def test_activations_follow_keras_formulas(name):
    expected = torch.tensor([KERAS[name](value) for value in X.tolist()])
    torch.testing.assert_close(activation_function(name, X), expected, atol=1e-6, rtol=1e-5)


def test_softmax_activations_act_on_the_last_axis_and_every_name_is_covered():
    torch.testing.assert_close(activation_function("softmax", X), torch.softmax(X, dim=-1))
    torch.testing.assert_close(activation_function("log_softmax", X), torch.log_softmax(X, dim=-1))
    assert set(ACTIVATIONS) == set(KERAS) | {"softmax", "log_softmax"}
    assert activation_function("leaky_relu", X, 0.3)[0].item() == pytest.approx(-0.6)


def test_head_runs_its_layers_in_order_and_batch_norm_uses_running_statistics_in_eval():
    config = RNNConfig(
        hidden_size=2,
        head_layers=[
            {"type": "dense", "units": 3, "activation": "relu"},
            {"type": "batch_norm", "epsilon": 0.5},
            {"type": "activation", "activation": "tanh"},
        ],
    )
    head = ClassifierHead(config).eval()
    dense, norm = head[0], head[1]
    with torch.no_grad():
        norm.running_mean.copy_(torch.tensor([0.1, 0.2, 0.3]))
        norm.running_var.copy_(torch.tensor([1.0, 2.0, 3.0]))
        x = torch.randn(4, 2)
        expected = torch.tanh(
            (torch.relu(dense.weight @ x.T + dense.bias[:, None]).T - norm.running_mean)
            / torch.sqrt(norm.running_var + 0.5)
        )
        torch.testing.assert_close(head(x), expected)


def test_a_model_with_a_head_saves_and_loads_with_its_statistics(tmp_path):
    config = RNNConfig(
        vocab_size=9,
        embedding_dim=3,
        hidden_size=2,
        num_labels=2,
        head_layers=[{"type": "dense", "units": 4}, {"type": "batch_norm"}],
    )
    model = RNNForSequenceClassification(config).eval()
    with torch.no_grad():
        model.head[1].running_var.uniform_(0.5, 2.0)
    model.save_pretrained(tmp_path)
    loaded = RNNForSequenceClassification.from_pretrained(tmp_path).eval()
    torch.testing.assert_close(loaded.head[1].running_var, model.head[1].running_var)
    ids = torch.tensor([[1, 2, 3], [0, 4, 5]])
    torch.testing.assert_close(loaded(ids).logits, model(ids).logits)
