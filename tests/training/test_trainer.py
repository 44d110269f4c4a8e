"""RNNTrainer trains with subnormal floats flushed to zero, and puts the setting back afterwards."""

import datasets
import torch
from transformers import TrainerCallback

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification
from rnn_models.training.job import RNNTrainingArguments
from rnn_models.training.trainer import RNNTrainer, flush_denormals

SUBNORMAL = 1e-323  # float64's smallest subnormals: flushed to 0.0 when the CPU runs with flush-to-zero


def subnormal_survives() -> bool:
    return torch.tensor([SUBNORMAL], dtype=torch.float64).item() > 0


class RecordFlush(TrainerCallback):
    def __init__(self):
        self.survived = []

    def on_step_end(self, args, state, control, **kwargs):
        self.survived.append(subnormal_survives())


def test_training_steps_run_with_subnormals_flushed_and_the_setting_is_restored(tmp_path):
    rows = datasets.Dataset.from_dict({"input_ids": [[3, 4, 5], [6, 7, 8]] * 4, "labels": [1.0, 0.0] * 4})
    args = RNNTrainingArguments(
        output_dir=str(tmp_path), per_device_train_batch_size=4, num_train_epochs=1, eval_strategy="no",
        save_strategy="no", logging_strategy="no", report_to=[], disable_tqdm=True,
    )  # fmt: skip
    record = RecordFlush()
    trainer = RNNTrainer(model=RNNForSequenceClassification(tiny_config()), args=args, train_dataset=rows)
    trainer.add_callback(record)
    trainer.train()
    assert record.survived == [False, False]
    assert subnormal_survives()


def test_flush_denormals_restores_the_setting_after_an_error():
    try:
        with flush_denormals() as supported:
            assert supported and not subnormal_survives()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert subnormal_survives()
