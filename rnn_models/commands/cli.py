"""The ``rnn-models`` command: train, evaluate, predict, push, convert-keras, export-onnx, demo.

`main` dispatches to a command: ``train`` is `rnn_models.commands.train`, ``evaluate`` and ``predict`` are
`rnn_models.commands.score`; the others (one parser calling one library function each) are here.
User errors (a missing file, a bad column, a failed push, ...) print one line and exit with status 1;
``--debug`` shows the traceback instead.
"""

import argparse
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

__all__ = ["main"]

USAGE = """usage: rnn-models {train,evaluate,predict,push,convert-keras,export-onnx,demo} [options] [--debug]

  train          train a GloVe + LSTM / GRU / BiLSTM classifier with the Trainer (no options: demo data)
  evaluate       ROC AUC of a trained model on a labelled table, as JSON
  predict        scores for texts or a table, as JSON lines or a submission file (--output)
  push           upload a trained model folder to the Hugging Face Hub
  convert-keras  convert a trained Keras model (+ its tokenizer: JSON or pickle) into a model folder
  export-onnx    write model.onnx for `predict --backend onnx` (ONNX Runtime; faster for some models)
  demo           a Gradio page for a model: scores and the words behind them (rnn-models[demo])

Run `rnn-models COMMAND --help` for the options of a command."""


def _train(argv: list[str]) -> int:
    from .train import run_train_command

    return run_train_command(argv)


def _evaluate(argv: list[str]) -> int:
    from .score import run_evaluate_command

    return run_evaluate_command(argv)


def _predict(argv: list[str]) -> int:
    from .score import run_predict_command

    return run_predict_command(argv)


def _push(argv: list[str]) -> int:
    from ..hub.card_facts import card_facts_from_folder
    from ..hub.converted_card import CONVERTED_FROM_FILE, render_converted_card
    from ..hub.model_card import render_model_card
    from ..hub.push import push_folder, push_space

    parser = argparse.ArgumentParser(
        prog="rnn-models push",
        description="Upload a model folder to the Hub, or write a demo Space for a model.",
    )
    parser.add_argument(
        "--model", required=True, help="trained model folder (with --space: the Hub model repo)"
    )
    parser.add_argument("--repo_id", help="USER/NAME on the Hub")
    parser.add_argument("--space", help="USER/NAME: write a Gradio Space that demos the Hub model --model")
    parser.add_argument("--private", action="store_true")
    parser.add_argument("--commit_message")
    parser.add_argument("--revision", help="branch to push to (created if missing)")
    args = parser.parse_args(argv)
    if bool(args.repo_id) == bool(args.space):
        raise ValueError("give --repo_id (push a model folder) or --space (write a demo Space), one of them")
    if args.space:
        print(
            f"wrote the Space {args.space} for {args.model}: {push_space(args.space, args.model, private=args.private)}"
        )
        return 0
    readme = None
    if Path(args.model, "eval_results.json").is_file():  # trained here: the card names the repo it goes to
        readme = render_model_card(card_facts_from_folder(args.model, args.repo_id))
    elif Path(args.model, CONVERTED_FROM_FILE).is_file():  # converted from Keras: its own card, same reason
        readme = render_converted_card(args.model, args.repo_id)
    url = push_folder(
        args.model,
        args.repo_id,
        private=args.private,
        commit_message=args.commit_message,
        revision=args.revision,
        readme=readme,
    )
    print(f"pushed {args.model} to {url}")
    return 0


def _convert_keras(argv: list[str]) -> int:
    from ..keras import convert_keras

    parser = argparse.ArgumentParser(prog="rnn-models convert-keras", description="Convert a Keras model.")
    parser.add_argument(
        "--model", required=True, help="model.keras, legacy model.h5, or model.to_json() .json"
    )
    parser.add_argument("--weights", help="separate Keras weights file (x.weights.h5 or save_weights .h5)")
    parser.add_argument("--tokenizer", help="Keras Tokenizer: to_json() output or a pickle (.pkl / .pickle)")
    parser.add_argument("--output_dir", required=True)
    parser.add_argument(
        "--max_length", type=int, help="pad_sequences maxlen (default: the model's input length)"
    )
    parser.add_argument("--padding_side", choices=["left", "right"], default="left",
                        help="pad_sequences padding: left = 'pre' (Keras's default), right = 'post'")  # fmt: skip
    parser.add_argument("--truncation_side", choices=["left", "right"], default="left",
                        help="pad_sequences truncating: left = 'pre' (Keras's default), right = 'post'")  # fmt: skip
    parser.add_argument("--labels", help="comma-separated names of the outputs, e.g. toxic,obscene")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty output_dir")
    args = parser.parse_args(argv)
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always")
        out = convert_keras(
            args.model,
            args.output_dir,
            weights=args.weights,
            tokenizer=args.tokenizer,
            labels=args.labels.split(",") if args.labels else None,
            max_length=args.max_length,
            padding_side=args.padding_side,
            truncation_side=args.truncation_side,
            overwrite=args.overwrite,
        )
    for note in notes:  # what was left out or changed, one line each
        print(f"rnn-models convert-keras: note: {_one_line(note.message)}", file=sys.stderr)
    _write_converted_card(out)
    print(f"converted {args.model} to {out}")
    return 0


def _write_converted_card(out: Path) -> None:
    """README.md of the converted folder (`push` renders it again with the repo id), written under a
    temporary name first."""
    from ..hub.converted_card import render_converted_card

    card = render_converted_card(out)
    staging = out / ".README.md.tmp"
    staging.write_text(card, encoding="utf-8")
    os.replace(staging, out / "README.md")


def _export_onnx(argv: list[str]) -> int:
    from ..serving.inference import load_model
    from ..serving.onnx_serving import ONNX_FILE, export_onnx

    parser = argparse.ArgumentParser(
        prog="rnn-models export-onnx",
        description="Export a model folder to ONNX for serving with ONNX Runtime (predict --backend onnx).",
    )
    parser.add_argument("--model", required=True, help="model folder or Hub repository id")
    parser.add_argument("--output", help="default: MODEL/model.onnx (for `predict --backend onnx`)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing file")
    args = parser.parse_args(argv)
    if args.output is None and not Path(args.model).is_dir():
        raise ValueError(f"{args.model} is not a local folder; pass --output FILE for the exported graph")
    output = Path(args.output or Path(args.model, ONNX_FILE))
    if output.exists() and not args.overwrite:
        raise FileExistsError(f"{output} exists; pass --overwrite to replace it")
    model, _ = load_model(args.model, device="cpu")
    print(f"exported {args.model} to {export_onnx(model, output)}")
    return 0


def _demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="rnn-models demo", description="A Gradio page: scores per label and the words that pushed them."
    )
    parser.add_argument("--model", required=True, help="model folder or Hub repository id")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, help="default: the first free port from 7860")
    parser.add_argument("--share", action="store_true", help="also a public gradio.live link")
    args = parser.parse_args(argv)
    try:
        import gradio  # noqa: F401
    except ImportError as error:
        raise ImportError('the demo needs Gradio: pip install "rnn-models[demo]"') from error
    from ..serving.demo_app import build_demo
    from ..serving.inference import load_model

    model, tokenizer = load_model(args.model)
    app = build_demo(
        model, tokenizer, title=Path(args.model).name if Path(args.model).is_dir() else args.model
    )
    app.launch(server_name=args.host, server_port=args.port, share=args.share)
    return 0


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "train": _train,
    "evaluate": _evaluate,
    "predict": _predict,
    "push": _push,
    "convert-keras": _convert_keras,
    "export-onnx": _export_onnx,
    "demo": _demo,
}


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rnn-models`` console script; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [arg for arg in argv if arg != "--debug"]
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"rnn-models: unknown command {command!r}\n{USAGE}", file=sys.stderr)
        return 2
    from ..hub.push import HubPushError
    from ..serving.sharding import OtherProcessError

    try:
        return COMMANDS[command](rest)
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"rnn-models {command}: interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, HubPushError, ImportError, OtherProcessError) as error:
        if debug:
            raise
        print(f"rnn-models {command}: error: {_one_line(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
