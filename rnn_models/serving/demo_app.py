"""A Gradio demo of a trained classifier: a text box, the score per label, the words that pushed the score.

This file imports only the standard library, torch, transformers and gradio: `rnn-models demo` runs it,
and `rnn-models push --space` copies it into a Hugging Face Space as ``app.py`` (where the model repo
is loaded with ``trust_remote_code=True`` and rnn-models is not installed).

A word's weight is leave-one-word-out: the model's score for the text minus its score with that word
removed (all variants in batches), for the label chosen in the demo (the first by default). Words the
tokenizer does not know are dropped before the model sees them, so they weigh nothing.
"""

import os

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

__all__ = ["build_demo", "explain", "load", "scores"]

MAX_EXPLAINED_WORDS = 400  # longer texts are scored in full; only their last 400 words are weighed
BATCH_SIZE = 128


def load(model_id: str, trust_remote_code: bool = False):
    """The model (eval mode, CPU or CUDA) and tokenizer of a folder or Hub repository."""
    tokenizer = AutoTokenizer.from_pretrained(model_id, trust_remote_code=trust_remote_code)
    model = AutoModelForSequenceClassification.from_pretrained(model_id, trust_remote_code=trust_remote_code)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return model.to(device).eval(), tokenizer


def _scores(classifier, logits: torch.Tensor) -> torch.Tensor:
    """Scores ``(batch, num_labels)`` of logits as ``pipeline("text-classification")`` shows them: its own
    post-processing (a sigmoid, a softmax or the logits as they are, by ``problem_type`` and ``num_labels``),
    one row at a time, so the rule is never written twice."""
    labels = _labels(classifier.model)
    rows = []
    for i in range(len(logits)):
        shown = {
            item["label"]: item["score"]
            for item in classifier.postprocess({"logits": logits[i : i + 1]}, top_k=None)
        }
        rows.append([shown[label] for label in labels])
    return torch.tensor(rows, dtype=torch.float32).reshape(len(logits), len(labels))


def _score_ids(model, tokenizer, sequences: list[list[int]]) -> torch.Tensor:
    """Scores ``(len(sequences), num_labels)`` of token id lists, in batches."""
    out = []
    classifier = pipeline("text-classification", model=model, tokenizer=tokenizer)
    padding = "max_length" if getattr(model.config, "keras_compatible", False) else "longest"
    device = next(model.parameters()).device
    with torch.inference_mode():
        for start in range(0, len(sequences), BATCH_SIZE):
            rows = sequences[start : start + BATCH_SIZE]
            empty = padding == "longest" and not any(rows)  # all texts empty: one padding step, masked
            batch = tokenizer.pad(
                {"input_ids": rows},
                padding="max_length" if empty else padding,
                max_length=1 if empty else model.config.max_length,
                return_tensors="pt",
            )
            logits = model(
                batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)
            ).logits
            out.append(_scores(classifier, logits.float().cpu()))
    return torch.cat(out) if out else torch.zeros(0, model.config.num_labels)


def _score_texts(model, tokenizer, texts: list[str]) -> torch.Tensor:
    """Scores ``(len(texts), num_labels)`` of raw texts, in batches: for a model that also reads the raw text's
    n-grams (its tokenizer gives ``text_feature_ids``), which token ids alone cannot carry."""
    out = []
    classifier = pipeline("text-classification", model=model, tokenizer=tokenizer)
    device = next(model.parameters()).device
    with torch.inference_mode():
        for start in range(0, len(texts), BATCH_SIZE):
            batch = tokenizer(texts[start : start + BATCH_SIZE], padding=True, truncation=True,
                              max_length=model.config.max_length, return_tensors="pt")  # fmt: skip
            logits = model(**{key: value.to(device) for key, value in batch.items()}).logits
            out.append(_scores(classifier, logits.float().cpu()))
    return torch.cat(out) if out else torch.zeros(0, model.config.num_labels)


def _reads_raw_text(tokenizer) -> bool:
    return getattr(tokenizer, "text_features", None) is not None


def _labels(model) -> list[str]:
    return [model.config.id2label[i] for i in range(model.config.num_labels)]


def scores(model, tokenizer, text: str) -> dict[str, float]:
    """Label -> score for one text."""
    if _reads_raw_text(tokenizer):
        return dict(zip(_labels(model), _score_texts(model, tokenizer, [text])[0].tolist(), strict=True))
    ids = tokenizer(text, truncation=True, max_length=model.config.max_length)["input_ids"]
    return dict(zip(_labels(model), _score_ids(model, tokenizer, [ids])[0].tolist(), strict=True))


def explain(
    model, tokenizer, text: str, label: str | None = None
) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """The scores, and (word, weight) for the words the model saw: score minus score without the word (for a
    model that reads the raw text too, the whitespace-separated words of the text, symbols kept).

    Example:
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
        >>> tokenizer = RNNTokenizerFast.from_texts(["you idiot", "thanks a lot"])
        >>> model = RNNForSequenceClassification(RNNConfig(vocab_size=len(tokenizer), embedding_dim=4)).eval()
        >>> label_scores, words = explain(model, tokenizer, "Thanks, you unknownword!")
        >>> list(label_scores), [word for word, _ in words]
        (['LABEL_0'], ['thanks', 'you'])
    """
    column = _labels(model).index(label) if label else 0
    if _reads_raw_text(tokenizer):  # the words of the raw text, symbols kept, as its n-grams see them
        pieces = text.split()
        first = max(0, len(pieces) - MAX_EXPLAINED_WORDS)
        variants = [text] + [" ".join(pieces[:i] + pieces[i + 1 :]) for i in range(first, len(pieces))]
        result = _score_texts(model, tokenizer, variants)
        weights = (result[0, column] - result[1:, column]).tolist()
        return dict(zip(_labels(model), result[0].tolist(), strict=True)), list(
            zip(pieces[first:], weights, strict=True)
        )
    ids = tokenizer(text, truncation=True, max_length=model.config.max_length)["input_ids"]
    first = max(0, len(ids) - MAX_EXPLAINED_WORDS)
    variants = [ids] + [ids[:i] + ids[i + 1 :] for i in range(first, len(ids))]
    result = _score_ids(model, tokenizer, variants)
    weights = (result[0, column] - result[1:, column]).tolist()
    words = tokenizer.convert_ids_to_tokens(ids[first:])
    return dict(zip(_labels(model), result[0].tolist(), strict=True)), list(zip(words, weights, strict=True))


def build_demo(model, tokenizer, title: str = "rnn-models classifier"):
    """A `gradio.Blocks` app: text in; scores per label and highlighted words out (API name ``predict``)."""
    import gradio as gr

    labels = _labels(model)

    def predict(text: str, label: str) -> tuple[dict[str, float], list[tuple[str, float]]]:
        return explain(model, tokenizer, text or "", label)

    with gr.Blocks(title=title) as demo:
        gr.Markdown(
            f"# {title}\nScores per label; the highlighted words raised (red) or lowered (blue) the score."
        )
        text = gr.Textbox(label="Text", lines=4, placeholder="Type a comment")
        label = gr.Dropdown(labels, value=labels[0], label="Explain the score of", visible=len(labels) > 1)
        button = gr.Button("Score", variant="primary")
        label_scores = gr.Label(label="Scores", num_top_classes=len(labels))
        words = gr.HighlightedText(label="Words that pushed the score", combine_adjacent=False)
        button.click(predict, inputs=[text, label], outputs=[label_scores, words], api_name="predict")
        text.submit(predict, inputs=[text, label], outputs=[label_scores, words])
    return demo


if __name__ == "__main__":  # a Space: the model repo is named by MODEL_ID
    model_id = os.environ.get("MODEL_ID", "{{ model_id }}")
    loaded_model, loaded_tokenizer = load(model_id, trust_remote_code=True)
    build_demo(loaded_model, loaded_tokenizer, title=model_id).launch()
