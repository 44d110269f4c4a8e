"""The main job end to end on a tiny generated dataset whose labels are learnable."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from builders import BAD, arguments
from safetensors.torch import load_file
from transformers import TrainerCallback

from rnn_models.commands.train import parse_train_args, save_run
from rnn_models.hub.highlighted_text import escape_markdown
from rnn_models.serving.inference import predict_scores
from rnn_models.training.job import prepare_tables, train


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("trained")
    model_args, data_args, args = arguments(tmp_path)
    run = train(model_args, data_args, args)
    results = save_run(run, model_args, data_args, args)
    return run, results, Path(args.output_dir)


def test_held_out_auc_shows_the_labels_were_learned(trained):
    run, results, _ = trained
    assert results["roc_auc"] > 0.9
    assert results["roc_auc_per_label"]["toxic"] == results["roc_auc"]
    assert run.metrics["eval_roc_auc"] == pytest.approx(results["roc_auc"])


def test_output_folder_is_a_complete_hugging_face_model(trained):
    _, results, out = trained
    names = {p.name for p in out.iterdir()}
    expected = {
        "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "configuration_rnn.py",
        "modeling_rnn.py", "recurrent_layers.py", "eval_results.json", "roc_curve.png", "README.md", "trainer_state.json",
        "training_args.json", "run_args.json", "explained_example.json",
    }  # fmt: skip
    assert expected <= names
    assert not any(name.startswith(".") for name in names)  # no staging or temp files left behind
    saved = json.loads((out / "eval_results.json").read_text())
    assert saved["roc_auc"] == results["roc_auc"] and saved["num_validation_rows"] == 48
    assert {"loss", "samples_per_second", "train_samples_per_second"} <= set(saved)
    assert (out / "roc_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    card = (out / "README.md").read_text()
    assert "pipeline_tag: text-classification" in card and f"{results['roc_auc']:.4f}" in card


def test_trained_folder_scores_like_the_trained_model(trained):
    from transformers import pipeline

    run, _, out = trained
    classifier = pipeline("text-classification", model=str(out))
    model = run.trainer.model.eval()
    batch = run.tokenizer(["you are a pathetic idiot"], return_tensors="pt")
    with torch.no_grad():
        expected = torch.sigmoid(model(**batch).logits).item()
    assert classifier("you are a pathetic idiot")[0] == {
        "label": "toxic",
        "score": pytest.approx(expected, abs=1e-6),
    }


def test_validation_scores_labels_and_texts_are_in_the_tables_row_order(trained, tmp_path):
    run, _, _ = trained
    _, validation = prepare_tables(arguments(tmp_path)[1])  # the same generated table, split the same way
    assert run.texts == list(validation["comment_text"]) and run.labels.tolist() == validation["toxic"]
    # evaluation batches are length-grouped; each score is still its own row's
    model = run.trainer.model.eval()
    rescored = predict_scores(model, run.tokenizer, run.texts, batch_size=7)
    np.testing.assert_allclose(run.scores, np.asarray(rescored).reshape(run.scores.shape), rtol=0, atol=1e-5)


def explained_sum_and_spans(example: dict) -> float:
    """The contributions' sum, after checking that the words are the text's pieces with their spans."""
    text = example["text"]
    assert [word["word"] for word in example["words"]] == text.split()
    assert all(text[word["start"] : word["end"]] == word["word"] for word in example["words"])
    return sum(word["contribution"] for word in example["words"])


def test_the_folder_explains_a_real_validation_comment_and_its_card_shows_it(trained):
    run, _, out = trained
    example = json.loads((out / "explained_example.json").read_text())
    row = example["row"]
    assert (example["text"], example["label"], example["true_label"]) == (run.texts[row], "toxic", 1)
    assert run.labels[row] == 1 and example["score"] == pytest.approx(run.scores[row, 0], abs=1e-5)
    # the generated toxic rows have 7 words, fewer than a readable comment's 8: the best-scored of the shortest
    positives = [i for i, label in enumerate(run.labels) if label == 1]
    shortest = min(len(run.texts[i].split()) for i in positives)
    best = max(run.scores[i, 0] for i in positives if len(run.texts[i].split()) == shortest)
    assert len(example["text"].split()) == shortest and run.scores[row, 0] == best
    total = explained_sum_and_spans(example)
    assert total == pytest.approx(example["logit"] - example["baseline_logit"], rel=0.01)
    top = max(example["words"], key=lambda word: word["contribution"])
    assert top["word"].strip("!").lower() in BAD  # the insult moved the toxic logit most
    card = (out / "README.md").read_text()
    assert "## Why it scores what it scores" in card
    assert f"**{escape_markdown(top['word'])}**<sup>{top['contribution']:+.2f}</sup>" in card


def test_frozen_vectors_are_unchanged_by_training(trained):
    run, _, out = trained
    from rnn_models.vectors import build_embedding_matrix, load_vectors

    vectors = load_vectors(out.parent / "vectors.txt", cache=False)
    matrix, _ = build_embedding_matrix(run.tokenizer, vectors)
    weights = load_file(out / "model.safetensors")
    torch.testing.assert_close(weights["rnn.embeddings.weight"], torch.from_numpy(matrix), rtol=0, atol=0)


def test_the_default_preset_learns_its_vectors_and_bag_and_its_folder_scores_like_it(tmp_path):
    from transformers import pipeline

    model_args, data_args, args = arguments(tmp_path, "--preset", "bilstm_ngrams", "--learning_rate", "0.003")
    run = train(model_args, data_args, args)
    save_run(run, model_args, data_args, args)
    out = Path(args.output_dir)
    assert run.metrics["eval_roc_auc"] > 0.9
    model = run.trainer.model.eval()
    words = run.tokenizer.embedding_index
    assert (
        model.ngrams.word_weights.weight[words["idiot"]].item()
        > model.ngrams.word_weights.weight[words["thanks"]].item()
    )
    trained_rows = load_file(out / "model.safetensors")["rnn.embeddings.weight"]
    assert not torch.equal(trained_rows[words["idiot"]], torch.zeros_like(trained_rows[0]))
    batch = run.tokenizer(["you are a pathetic idiot"], return_tensors="pt")
    with torch.no_grad():
        expected = torch.sigmoid(model(**batch).logits).item()
    classifier = pipeline("text-classification", model=str(out))
    assert classifier("you are a pathetic idiot")[0]["score"] == pytest.approx(expected, abs=1e-6)
    # The linear part over the raw text: fitted before training (frozen), blended in at a measured weight.
    config = model.config
    assert config.text_feature_size > 1 and len(config.recurrent_logit_scale) == 1
    assert not any(p.requires_grad for p in model.text_features.parameters())
    _, linear = model.part_logits(**run.tokenizer(["you idiot", "thanks, great edit"], padding=True,
                                                  return_tensors="pt"))  # fmt: skip
    assert linear[0, 0] > linear[1, 0]
    # The explained comment: the linear part's share is exact, the recurrent part's within Integrated Gradients'
    example = json.loads((out / "explained_example.json").read_text())
    assert example["true_label"] == 1 and example["text"] == run.texts[example["row"]]
    total = explained_sum_and_spans(example)
    assert total == pytest.approx(example["logit"] - example["baseline_logit"], rel=0.01)


class StopAfterFirstEpoch(TrainerCallback):
    """Ends training after the first epoch's checkpoint, as a crash there would."""

    def on_save(self, args, state, control, **kwargs):
        control.should_training_stop = True


def test_resume_from_checkpoint_reaches_the_same_final_weights(tmp_path):
    full_args = arguments(tmp_path / "full", "--num_train_epochs", "2")
    full = train(*full_args)
    interrupted_args = arguments(tmp_path / "resumed", "--num_train_epochs", "2")
    train(*interrupted_args, callbacks=[StopAfterFirstEpoch()])
    model_args, data_args, args = arguments(tmp_path / "resumed", "--num_train_epochs", "2")
    args.resume_from_checkpoint = "last"
    resumed = train(model_args, data_args, args)
    for (name, a), (_, b) in zip(
        full.trainer.model.state_dict().items(), resumed.trainer.model.state_dict().items(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6, msg=name)
    assert resumed.metrics["eval_roc_auc"] == full.metrics["eval_roc_auc"]


def test_existing_output_folder_is_not_overwritten(tmp_path):
    model_args, data_args, args = arguments(tmp_path)
    Path(args.output_dir).mkdir()
    (Path(args.output_dir) / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"out already exists and is not empty; pass --overwrite_output_dir"):
        train(model_args, data_args, args)
    assert (Path(args.output_dir) / "notes.txt").read_text() == "mine"


def test_resume_without_a_checkpoint_says_so(tmp_path):
    model_args, data_args, args = arguments(tmp_path)
    args.resume_from_checkpoint = "last"
    with pytest.raises(ValueError, match=r"no checkpoint-\* folder to resume from"):
        train(model_args, data_args, args)


def test_defaults_are_the_keras_recipe_with_the_bilstm_ngrams_preset():
    model_args, data_args, args = parse_train_args([])
    expected = ("bilstm_ngrams", 1500, "glove-6b-50d")
    assert (model_args.preset, model_args.max_length, model_args.vectors) == expected
    # epochs -1: the preset's (5, the notebook's; 3 for the default's recurrent part, see `train`)
    assert (args.per_device_train_batch_size, args.num_train_epochs, args.learning_rate) == (64, -1.0, 1e-3)
    assert (args.adam_epsilon, args.weight_decay, args.lr_scheduler_type) == (1e-7, 0.0, "constant")
    assert (
        args.train_sampling_strategy == "group_by_length" and model_args.train_embeddings is None
    )  # preset's
    assert data_args.train_file == "demo" and data_args.label_columns == ["toxic"]


def test_arguments_from_a_json_or_yaml_file(tmp_path):
    (tmp_path / "args.json").write_text(
        json.dumps({"preset": "bilstm", "output_dir": "x", "max_rows": 12000})
    )
    (tmp_path / "args.yaml").write_text("preset: gru\noutput_dir: y\nlabel_columns: [toxic, insult]\n")
    model_args, data_args, _ = parse_train_args([str(tmp_path / "args.json")])
    assert (model_args.preset, data_args.max_rows) == ("bilstm", 12000)
    model_args, data_args, args = parse_train_args([str(tmp_path / "args.yaml")])
    assert (model_args.preset, data_args.label_columns, args.output_dir) == ("gru", ["toxic", "insult"], "y")


def demo_arguments(tmp_path: Path, *extra: str):
    """The default preset on 800 real demo comments, two labels, short sequences: the blend matters there."""
    return parse_train_args(
        [
            "--output_dir", str(tmp_path / "out"), "--max_rows", "800", "--max_length", "200",
            "--label_columns", "toxic", "insult", "--num_train_epochs", "1", "--disable_tqdm", "true",
            "--no_vectors_cache", *extra,
        ]
    )  # fmt: skip


def test_every_logged_evaluation_scores_the_checkpoint_saved_with_it_and_the_best_is_the_saved_folder(
    tmp_path,
):
    from rnn_models.serving.inference import load_model
    from rnn_models.training.metrics import roc_auc

    model_args, data_args, args = demo_arguments(
        tmp_path, "--eval_strategy", "steps", "--eval_steps", "3", "--save_strategy", "steps", "--save_steps", "3",
        "--save_total_limit", "10", "--load_best_model_at_end", "true", "--metric_for_best_model", "roc_auc",
    )  # fmt: skip
    run = train(model_args, data_args, args)
    results = save_run(run, model_args, data_args, args)
    state = run.trainer.state
    logged = {entry["step"]: entry["eval_roc_auc"] for entry in state.log_history if "eval_roc_auc" in entry}
    assert len(logged) == 3
    for (
        step,
        logged_auc,
    ) in logged.items():  # each checkpoint, loaded from disk, scores what was logged for it
        model, tokenizer = load_model(str(Path(args.output_dir) / f"checkpoint-{step}"))
        scores = predict_scores(model, tokenizer, run.texts)
        assert roc_auc(scores, run.labels, data_args.label_columns)["roc_auc"] == pytest.approx(
            logged_auc, abs=1e-6
        )
    assert results["roc_auc"] == pytest.approx(state.best_metric, abs=1e-9)
    assert run.metrics["eval_roc_auc"] == pytest.approx(max(logged.values()), abs=1e-9)


def test_the_blend_is_measured_per_label_on_rows_the_network_never_trained_on(tmp_path):
    from rnn_models.training.blend import blend_scales

    model_args, data_args, args = demo_arguments(tmp_path)
    run = train(model_args, data_args, args)
    save_run(run, model_args, data_args, args)
    trainer, model = run.trainer, run.trainer.model.eval()
    blend = trainer.blend
    held_out = blend.rows
    assert len(held_out) == round(0.1 * 640) and len(trainer.train_dataset) == 640 - len(held_out)
    seen = {tuple(ids) for ids in trainer.train_dataset["input_ids"]}
    assert not any(tuple(ids) in seen for ids in held_out["input_ids"] if len(ids) > 3)
    # The scales, one per label, put the recurrent logits at 0.3 x the linear part's out-of-fold spread there.
    scales = model.config.recurrent_logit_scale
    expected = blend_scales(blend.linear_logits, blend.recurrent_logits(model), 0.3)
    assert len(scales) == 2 and scales == pytest.approx(expected, rel=1e-6) and scales[0] != scales[1]
    record = json.loads((Path(args.output_dir) / "run_args.json").read_text())
    assert record["blend"]["recurrent_logit_scale"] == dict(zip(["toxic", "insult"], scales, strict=True))
    assert record["blend"]["held_out_rows"] == len(held_out)
    assert set(record["linear"]) == {"toxic", "insult"} and record["linear"]["toxic"]["cv_folds"] == 5
    card = (Path(args.output_dir) / "README.md").read_text()
    c = record["linear"]["insult"]["c"]
    assert f"| insult | {c:g} | 5 | {scales[1]:.4g} |" in card


def test_six_labels_on_few_rows_fit_with_fewer_folds_or_refuse_naming_the_label(tmp_path, capsys):
    six = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
    model_args, data_args, args = demo_arguments(tmp_path, "--max_steps", "1")
    data_args.label_columns, data_args.max_rows = six, 600
    with pytest.raises(
        ValueError, match=r"^the training rows hold only class 0 for 'identity_hate' .* --label_columns"
    ):
        train(model_args, data_args, args)
    data_args.max_rows = 1000  # threat: 2 positives in the training rows, identity_hate: 3
    run = train(model_args, data_args, args)
    printed = capsys.readouterr().out
    assert "threat: 2-fold CV, as many folds as its rarer class has rows" in printed
    assert "identity_hate: 3-fold CV, as many folds as its rarer class has rows" in printed
    assert len(run.fit_record["linear"]) == 6 and run.fit_record["linear"]["toxic"]["cv_folds"] == 5
