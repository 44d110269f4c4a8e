"""Checks the demo page in a real browser and saves a screenshot of a comment highlighted word by word.

Launches the page of `rnn_models.serving.demo_app` on localhost, drives headless Chromium with Playwright
(types the comment, picks the label, clicks Score), waits until the highlighted text is the comment as typed,
and checks every word's colour against `demo_app.explain`: red toward the label, purple against it, at the
opacity of its contribution over the largest one; the word that pushed the label most must be shown fully red.
Then it saves a screenshot of the page (``docs/demo_explained.png`` by default). Only localhost is contacted
(and the Hub, if ``--model`` names a Hub repository).

    pip install playwright                   # the Python package only: the browser is the system's
    apt-get install -y chromium              # /usr/bin/chromium
    python scripts/demo_screenshot.py                        # trains the default model on the demo data first
    python scripts/demo_screenshot.py --model toxic-bilstm   # a trained folder (or Hub id)

Without ``--model`` it runs ``rnn-models train`` first (the default preset on the shipped demo data, in a
temporary folder: about a minute in all on 2 CPU cores). A model whose top word for the comment pushes against
the label fails the check. In a checkout, ``pip install -e .`` (or ``PYTHONPATH=.``) makes the script use it.
"""

import argparse
import os
import re
import socket
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from rnn_models.serving.demo_app import build_demo, explain  # gradio itself is imported by build_demo

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no version check or telemetry: no network

COMMENT = "You are a stupid idiot, get lost!!"
OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "demo_explained.png"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
RED, PURPLE = (239, 68, 60), (128, 90, 213)  # gradio's HighlightedText colours for values > 0 and < 0
ALPHA_TOLERANCE = 0.01  # Chromium writes a computed alpha with 2 decimals
TIMEOUT_MS = 120_000


@contextmanager
def served(model, tokenizer, title: str):
    """The demo page on a free localhost port; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = build_demo(model, tokenizer, title=title)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield app.local_url
    finally:
        app.close()


@contextmanager
def chromium_page(executable: str, width: int = 900, height: int = 680):
    """A page of headless Chromium with a fresh profile (a temporary user-data-dir)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": width, "height": height},
        )  # fmt: skip
        try:
            yield context.new_page()
        finally:
            context.close()


def shown_segments(page, url: str, text: str, label: str | None) -> list[tuple[str, tuple[float, ...]]]:
    """Types ``text``, picks ``label`` (if the page offers a choice), clicks Score, waits for the highlighted
    text to be ``text``; returns each segment's text and computed background colour ``(r, g, b, alpha)``."""
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#text textarea").wait_for(timeout=TIMEOUT_MS)
    if label is not None and page.locator("#label input").is_visible():
        page.locator("#label input").click()
        page.get_by_role("option", name=label).click()
    page.locator("#text textarea").fill(text)
    page.get_by_role("button", name="Score").click()
    page.wait_for_function(  # the label's own change may answer too: wait for the answer to this text
        "text => [...document.querySelectorAll('#words .score-token .text')].map(e => e.textContent).join('')"
        " === text",
        arg=text,
        timeout=TIMEOUT_MS,
    )
    tokens = page.locator("#words .score-token").all()
    return [
        (
            token.locator(".text").text_content(),
            _rgba(token.evaluate("e => getComputedStyle(e).backgroundColor")),
        )
        for token in tokens
    ]


def _rgba(css: str) -> tuple[float, ...]:
    """``"rgb(1, 2, 3)"`` or ``"rgba(1, 2, 3, 0.5)"`` -> ``(1, 2, 3, alpha)``."""
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    return tuple(values) if len(values) == 4 else (*values, 1.0)


def colour_problems(shown, segments) -> list[str]:
    """What differs between the page's segments and ``demo_app.explain``'s (empty: the page shows them)."""
    if [piece for piece, _ in shown] != [piece for piece, _ in segments]:
        return [f"the page shows {[p for p, _ in shown]}, expected {[p for p, _ in segments]}"]
    largest = max((abs(v) for _, v in segments if v is not None), default=0.0)
    problems = []
    for (piece, (*rgb, alpha)), (_, value) in zip(shown, segments, strict=True):
        scaled = 0.0 if value is None or not largest else value / largest
        hue = RED if scaled >= 0 else PURPLE
        wrong_hue = alpha > 0 and (value is None or tuple(rgb) != hue)  # whitespace: no colour at all
        if wrong_hue or abs(alpha - abs(scaled)) > ALPHA_TOLERANCE:
            expected = "no colour" if value is None else f"{hue} at {abs(scaled):.2f}"
            problems.append(f"{piece!r} is rgba{(*rgb, alpha)}, expected {expected}")
    return problems


def top_word_problem(shown, segments) -> str | None:
    """The word of largest absolute contribution must push toward the label and be shown fully red."""
    words = [(i, value) for i, (_, value) in enumerate(segments) if value is not None]
    if not words:
        return "no word to highlight"
    i, value = max(words, key=lambda word: abs(word[1]))
    if value <= 0:
        return f"the top word {segments[i][0]!r} pushed against the label ({value:+.3f})"
    if shown[i][1] != (*RED, 1.0):
        return f"the top word {segments[i][0]!r} is shown rgba{shown[i][1]}, not fully red"
    return None


def check_page(model, tokenizer, text: str, label: str | None, output: Path, chromium: str) -> dict:
    """Drives the page, saves the screenshot and checks the page (an `AssertionError` says what is wrong)."""
    label = label or model.config.id2label[0]
    segments = explain(model, tokenizer, text, label)[1]
    with served(model, tokenizer, title="rnn-models demo") as url, chromium_page(chromium) as page:
        shown = shown_segments(page, url, text, label)
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output), full_page=True)
    problems = colour_problems(shown, segments) or [top_word_problem(shown, segments)]
    if any(problems):
        raise AssertionError(f"{label}: " + "; ".join(filter(None, problems)))
    top = max(((piece, value) for piece, value in segments if value is not None), key=lambda w: abs(w[1]))[0]
    return {"label": label, "top_word": top, "segments": len(shown), "screenshot": str(output)}


def trained_model(folder: Path) -> str:
    """`rnn-models train`'s defaults (the default preset on the shipped demo data) into ``folder``."""
    from rnn_models.commands.train import run_train_command

    run_train_command(["--output_dir", str(folder), "--report_to", "none"])
    return str(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", help="a trained model folder or Hub id (default: train one on the demo data, ~1 min)"
    )
    parser.add_argument("--text", default=COMMENT, help="the comment typed into the page")
    parser.add_argument("--label", help="the label explained (default: the model's first)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"the screenshot (default: {OUTPUT})")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="the Chromium executable")
    args = parser.parse_args(argv)
    from rnn_models.serving.inference import load_model

    with tempfile.TemporaryDirectory() as tmp:
        model, tokenizer = load_model(args.model or trained_model(Path(tmp) / "model"), device="cpu")
    result = check_page(model, tokenizer, args.text, args.label, args.output, args.chromium)
    print(
        f"{result['label']}: {result['segments']} segments shown as explained, {result['top_word']!r} fully red"
    )
    print(f"screenshot: {result['screenshot']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
