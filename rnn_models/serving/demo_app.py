"""A Gradio demo of a trained classifier: a text box, the score per label, and the comment itself with its words
highlighted by what they added to the chosen label.

`rnn-models demo` runs this file, and `rnn-models push --space` copies it into a Hugging Face Space as ``app.py``
next to a copy of ``explanations.py`` (where the model repo is loaded with ``trust_remote_code=True`` and
rnn-models is not installed). It imports the standard library, torch, transformers, gradio and that file.

A word's weight is its contribution to the chosen label's logit, from `rnn_models.serving.explanations.explain`
(``explanations.py``: exact for the linear parts, Integrated Gradients for the recurrent part), the same numbers
as ``rnn-models predict --explain`` and the Python API. The words are the whitespace-separated pieces of the text
as typed, punctuation attached; the page shows the whole text, each word coloured by its contribution divided by
the largest absolute one (red toward the label, purple against it), the whitespace between words as typed.
"""

import os

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

try:  # in the package: rnn_models/serving/explanations.py
    from .explanations import explain as explain_words
except ImportError:  # in a Space, app.py runs as a script with a copy of explanations.py next to it
    from explanations import explain as explain_words

__all__ = ["build_demo", "explain", "load", "scores"]

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
) -> tuple[dict[str, float], list[tuple[str, float | None]]]:
    """The scores, and the whole text as consecutive segments: each word (a whitespace-separated piece,
    punctuation attached) with its contribution to ``label``'s logit (the first label by default), from
    `explanations.explain`, and the whitespace between the words with ``None``. Joined, the segments are the text.

    Example:
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
        >>> tokenizer = RNNTokenizerFast.from_texts(["you idiot", "thanks a lot"])
        >>> model = RNNForSequenceClassification(RNNConfig(vocab_size=len(tokenizer), embedding_dim=4)).eval()
        >>> label_scores, segments = explain(model, tokenizer, "Thanks,  you unknownword!")
        >>> list(label_scores), [(piece, value is None) for piece, value in segments]
        (['LABEL_0'], [('Thanks,', False), ('  ', True), ('you', False), (' ', True), ('unknownword!', False)])
    """
    label = label or _labels(model)[0]
    [result] = explain_words(model, [text], tokenizer, labels=[label])
    segments: list[tuple[str, float | None]] = []
    end = 0
    for word in result.labels[label].words:
        if word.start > end:
            segments.append((text[end : word.start], None))
        segments.append((word.word, word.contribution))
        end = word.end
    if end < len(text):
        segments.append((text[end:], None))
    return scores(model, tokenizer, text), segments


def _scaled(segments: list[tuple[str, float | None]]) -> list[tuple[str, float | None]]:
    """Each contribution divided by the largest absolute one: gradio colours a value in [-1, 1], its sign the
    hue (red, purple) and its size the opacity, so the text's strongest word is fully coloured."""
    largest = max((abs(value) for _, value in segments if value is not None), default=0.0)
    return [
        (piece, value / largest if value is not None and largest > 0 else value) for piece, value in segments
    ]


def build_demo(model, tokenizer, title: str = "rnn-models classifier"):
    """A `gradio.Blocks` app: text in; scores per label and the text, its words highlighted by their contribution
    to the chosen label, out (API name ``predict``)."""
    import gradio as gr

    labels = _labels(model)

    def predict(text: str, label: str) -> tuple[dict[str, float], list[tuple[str, float | None]]]:
        label_scores, segments = explain(model, tokenizer, text or "", label)
        return label_scores, _scaled(segments)

    with gr.Blocks(title=title) as demo:
        gr.Markdown(
            f"# {title}\nScores per label, and the text with each word coloured by what it added to the chosen "
            "label's logit: red toward the label, purple against it, the strongest word fully coloured."
        )
        # The elem_ids name what scripts/demo_screenshot.py finds in the page.
        text = gr.Textbox(label="Text", lines=4, placeholder="Type a comment", elem_id="text")
        label = gr.Dropdown(
            labels, value=labels[0], label="Explain the score of", visible=len(labels) > 1, elem_id="label"
        )
        button = gr.Button("Score", variant="primary")
        label_scores = gr.Label(label="Scores", num_top_classes=len(labels))
        words = gr.HighlightedText(
            label="Each word's contribution", combine_adjacent=False, show_legend=True, elem_id="words"
        )
        button.click(predict, inputs=[text, label], outputs=[label_scores, words], api_name="predict")
        text.submit(predict, inputs=[text, label], outputs=[label_scores, words])
        label.change(predict, inputs=[text, label], outputs=[label_scores, words])
    return demo


if __name__ == "__main__":  # a Space: the model repo is named by MODEL_ID
    model_id = os.environ.get("MODEL_ID", "{{ model_id }}")
    loaded_model, loaded_tokenizer = load(model_id, trust_remote_code=True)
    build_demo(loaded_model, loaded_tokenizer, title=model_id).launch()
