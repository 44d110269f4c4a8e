"""The files of a Gradio Space that demos a model repo: app.py, explanations.py, requirements.txt, README.md
(pure: text out).

``app.py`` is `rnn_models.serving.demo_app` itself with the model repo filled in, and ``explanations.py`` is
`rnn_models.serving.explanations` as it is (app.py imports it from beside itself), so the Space needs only
transformers, torch, captum and gradio and loads the model with ``trust_remote_code=True``.
"""

from pathlib import Path

__all__ = ["REQUIREMENTS", "space_files"]

REQUIREMENTS = ("torch", "transformers>=5.25,<6", "captum>=0.7", "gradio>=5.0")
PLACEHOLDER = "{{ model_id }}"


def space_files(model_id: str, title: str | None = None) -> dict[str, str]:
    """Path -> text of a Space that demos the Hub model ``model_id``.

    Example:
        >>> files = space_files("me/toxic-lstm")
        >>> sorted(files), files["requirements.txt"].splitlines()[0]
        (['README.md', 'app.py', 'explanations.py', 'requirements.txt'], 'torch')
        >>> 'os.environ.get("MODEL_ID", "me/toxic-lstm")' in files["app.py"]
        True
    """
    if "/" not in model_id or any(c in model_id for c in "\"'\\\n"):
        raise ValueError(f"{model_id!r}: expected a Hub model repository id, USER/NAME")
    serving = Path(__file__).resolve().parents[1] / "serving"
    source = (serving / "demo_app.py").read_text(encoding="utf-8")
    if source.count(PLACEHOLDER) != 1:
        raise ValueError(f"demo_app.py: expected one {PLACEHOLDER} placeholder")
    title = title or model_id.split("/")[-1]
    readme = "\n".join(
        [
            "---",
            f"title: {title}",
            "emoji: 💬",
            "colorFrom: blue",
            "colorTo: red",
            "sdk: gradio",
            "app_file: app.py",
            "pinned: false",
            "models:",
            f"- {model_id}",
            "---",
            "",
            f"# {title}",
            "",
            f"A demo of [{model_id}](https://huggingface.co/{model_id}), a GloVe + RNN text classifier trained",
            "with rnn-models: the score per label, and the text with each word highlighted by its contribution to",
            "the chosen label's logit (`explanations.py`: exact for the linear parts, Integrated Gradients for the",
            "recurrent part).",
            "",
        ]
    )
    return {
        "app.py": source.replace(PLACEHOLDER, model_id),
        "explanations.py": (serving / "explanations.py").read_text(encoding="utf-8"),
        "requirements.txt": "\n".join(REQUIREMENTS) + "\n",
        "README.md": readme,
    }
