"""Every example of README.md and docs/ runs, or, where it needs what the suite cannot have, is checked.

Each page's blocks run in order in a folder of their own that holds what the pages name and the demo data can
stand for: ``toxic-bilstm/`` (the default preset trained once on the demo data with tiny settings), a labelled
``validation.csv``, ``moderated.csv`` (its label column named ``is_toxic``), ``test.csv``, ``my_comments.csv``
(columns ``text``, ``toxic``) and a dataset folder ``comments/``. ``rnn-models train`` runs with ``TINY`` appended;
the Hub is the in-memory one of ``tests/hub_server`` (the pages' ``USER/...`` repositories go there). A renamed
command option fails here (the command exits 2, or ``option_problems`` names it); a renamed function fails the
block that calls or imports it.
"""

import contextlib
import importlib
import io
import re
import shlex
import shutil
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from doc_examples import (
    DOC_FILES,
    ROOT,
    SHELL,
    Block,
    blocks,
    command_options,
    import_problems,
    option_problems,
    rnn_models_argv,
    setting_problems,
    shell_commands,
)
from helpers import run_without_rnn_models

from rnn_models.commands.cli import COMMANDS, main

pytestmark = pytest.mark.filterwarnings(
    "ignore:Use 'content=:DeprecationWarning", "ignore:Cannot enable progress bars"
)

TINY = {"max_rows": 300, "num_train_epochs": 1, "max_length": 64}  # appended to every `rnn-models train`
DEMO = ROOT / "rnn_models" / "data" / "demo_comments.csv"
ALL_BLOCKS = [block for path in DOC_FILES for block in blocks(path)]
CHECKED = [block for block in ALL_BLOCKS if block.needs is not None]
RUN_PAGES = [
    path
    for path in DOC_FILES
    if any(b.needs is None and (b.language in SHELL or b.example is not None) for b in blocks(path))
]


def page_id(path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """Folders trained by `rnn-models train` in this session, by command line (the pages' inputs are the same
    everywhere): a command two pages show trains once. The first is the pages' `toxic-bilstm`, the default preset
    on the demo data."""
    folder = tmp_path_factory.mktemp("trained")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        assert main(["train", "--output_dir", "toxic-bilstm", *tiny_args(), "--disable_tqdm", "true"]) == 0
    return {"cache": folder, ("train", "--output_dir", "toxic-bilstm", ""): folder / "toxic-bilstm"}


def tiny_args() -> list[str]:
    return [word for key, value in TINY.items() for word in (f"--{key}", str(value))]


def fill_sandbox(folder, model) -> set[str]:
    """The files the pages name, from the demo data; returns the names, which a page's own training may replace."""
    demo = pd.read_csv(DEMO, keep_default_na=False)
    copy_model(model, folder / "toxic-bilstm")
    demo.iloc[1200:].to_csv(folder / "validation.csv", index=False)
    demo.iloc[1200:][["comment_text", "toxic"]].rename(columns={"toxic": "is_toxic"}).to_csv(
        folder / "moderated.csv", index=False
    )
    demo.iloc[:50][["id", "comment_text"]].to_csv(folder / "test.csv", index=False)
    demo.iloc[:1200][["comment_text", "toxic"]].rename(columns={"comment_text": "text"}).to_csv(
        folder / "my_comments.csv", index=False
    )
    (folder / "comments").mkdir()
    for split, rows in {
        "train": slice(0, 900),
        "validation": slice(900, 1200),
        "test": slice(1200, 1500),
    }.items():
        demo.iloc[rows].to_csv(folder / "comments" / f"{split}.csv", index=False)
    return {"toxic-bilstm"}


def copy_model(source, target) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("checkpoint-*"))


def run_rnn_models(argv: list[str], block: Block, folder: Path, provided: set[str], trained: dict) -> None:
    start, key = time.perf_counter(), None
    if argv[0] == "train":
        options_file = folder / argv[1] if len(argv) == 2 else None
        key = (*argv, options_file.read_text() if options_file else "")
        target = output_dir(argv, folder)
        if target in provided:  # the sandbox's own copy gives way to the page's training
            shutil.rmtree(folder / target)
            provided.discard(target)
        if key in trained:  # the same command on the same inputs, trained for another page
            copy_model(trained[key], folder / target)
            return
        argv = cheap_training(argv, folder)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse: a renamed or misspelt option
            status = stop.code
    print(f"{block.where}: rnn-models {shlex.join(argv)}: {time.perf_counter() - start:.1f} s")
    print(out.getvalue(), err.getvalue()[-2000:])
    assert status == 0, (
        f"{block.where}: `rnn-models {shlex.join(argv)}` exited {status}:\n{err.getvalue()[-3000:]}"
    )
    if key is not None and "--push_to_hub" not in argv:
        trained[key] = trained["cache"] / str(len(trained))
        copy_model(folder / target, trained[key])


def output_dir(argv: list[str], folder: Path) -> str:
    if len(argv) == 2:  # options from a file
        return yaml.safe_load((folder / argv[1]).read_text()).get("output_dir", "rnn-model")
    return argv[argv.index("--output_dir") + 1] if "--output_dir" in argv else "rnn-model"


def cheap_training(argv: list[str], folder: Path) -> list[str]:
    """The page's `train` command with the tiny settings (also in its options file)."""
    if len(argv) == 2:
        options = yaml.safe_load((folder / argv[1]).read_text()) | TINY
        (folder / argv[1]).write_text(yaml.safe_dump(options))
        return argv
    return [*argv, *tiny_args()]


@pytest.mark.parametrize("page", RUN_PAGES, ids=page_id)
def test_page_examples_run(page, trained, tmp_path, local_hub, eval_example, monkeypatch):
    # pytest-examples runs each block as the module __main__: the session's own comes back afterwards.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    provided = fill_sandbox(tmp_path, trained["train", "--output_dir", "toxic-bilstm", ""])
    for block in blocks(page):
        if block.needs is not None:
            continue
        if block.example is not None and block.settings.get("test") == "no-package":
            run_without_rnn_models(block.source, env=local_hub.env())
        elif block.example is not None:
            shows_output = "#> " in block.source or '\n"""\n' in block.source
            (eval_example.run_print_check if shows_output else eval_example.run)(block.example)
        elif block.language in SHELL:
            for words in shell_commands(block.source):
                argv = rnn_models_argv(words)
                assert argv is not None, (
                    f'{block.where}: `{shlex.join(words)}` is no rnn-models command: mark the block needs="..."'
                )
                run_rnn_models(argv, block, tmp_path, provided, trained)
        elif "title" in block.settings:
            (tmp_path / block.settings["title"]).write_text(block.source, encoding="utf-8")


@pytest.mark.parametrize("block", CHECKED, ids=lambda block: block.where)
def test_blocks_that_need_more_are_checked(block):
    """What cannot run here still names commands, options and Python names that exist."""
    if block.example is not None:
        assert import_problems(block.source, block.where) == []
    elif block.language in SHELL:
        problems = []
        for words in shell_commands(block.source):
            argv = rnn_models_argv(words)
            if argv is not None:
                problems += [f"{block.where}: {problem}" for problem in option_problems(argv)]
            elif words[0] in ("python", "python3") and words[1:2] and words[1].endswith(".py"):
                assert (ROOT / words[1]).is_file(), f"{block.where}: no {words[1]}"
        assert problems == []


def test_fence_settings_are_known_and_every_block_is_found():
    assert [problem for block in ALL_BLOCKS for problem in setting_problems(block)] == []
    python = [block for block in ALL_BLOCKS if block.language in ("python", "py")]
    assert python and all(block.example is not None for block in python)
    assert len(RUN_PAGES) >= 8 and len(CHECKED) >= 10


def test_a_renamed_option_or_name_is_caught():
    assert option_problems(["evaluate", "--model", "m", "--file", "t.csv", "--label_columns", "a=b"]) == []
    assert option_problems(["evaluate", "--model", "m", "--files", "t.csv"]) == [
        "rnn-models evaluate has no option --files"
    ]
    assert option_problems(["train", "--vocab_from_vector", "0"]) == [
        "rnn-models train has no option --vocab_from_vector"
    ]
    assert option_problems(["score", "--model", "m"]) == ["rnn-models has no command ['score']"]
    assert import_problems("from rnn_models import explain\n", "x.md:1") == []
    assert (
        "cannot import name 'explains'"
        in import_problems("from rnn_models import explains\nexplains()\n", "x.md:1")[0]
    )


def test_shell_blocks_are_read_as_a_shell_reads_them():
    source = 'rnn-models train --a 1 \\\n    --b "two words"   # a comment\n# only a comment\nx && rnn-models push [--private]\n'
    assert shell_commands(source) == [
        ["rnn-models", "train", "--a", "1", "--b", "two words"],
        ["x"],
        ["rnn-models", "push", "[--private]"],
    ]
    assert rnn_models_argv(["torchrun", "--nproc_per_node", "4", "-m", "rnn_models", "predict", "--model", "m"]) == [
        "predict", "--model", "m",
    ]  # fmt: skip
    assert rnn_models_argv(["kaggle", "competitions", "submit"]) is None


# Options of other tools that the pages name: torchrun, accelerate launch, mkdocs, scripts/make_model_cards.py.
OTHER_TOOLS = {"--nproc_per_node", "--nnodes", "--node_rank", "--master_addr", "--master_port", "--multi_gpu"}
OTHER_TOOLS |= {"--num_processes", "--cpu", "--strict", "--train"}


def test_every_option_a_page_names_exists():
    """In prose too: an option renamed in the code fails here even where a page only mentions it. (The benchmarks
    page names the options of scripts/benchmark.py, as they were when each figure was measured.)"""
    known = OTHER_TOOLS.union(*(command_options(command) for command in COMMANDS))
    named = {
        (path.relative_to(ROOT).as_posix(), option)
        for path in DOC_FILES
        if path.name != "benchmarks.md"
        for option in re.findall(r"(?<![\w-])--[A-Za-z][\w-]*", path.read_text())
    }
    assert sorted((page, option) for page, option in named if option not in known) == []


# Files of a model folder or a Space that the pages name (not result files under benchmarks/).
FOLDER_FILES = {
    "config.json",
    "eval_results.json",
    "explained_example.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "run_args.json",
    "requirements.txt",
}
FOLDER_FILES |= {"text_features.json", "vectors_words.json", "converted_from.json"}
WHEEL_ONLY = {"rnn_models/model_cards/"}  # where wheels carry model_cards/


def test_every_file_and_python_name_a_page_names_exists():
    """A moved result file or module, or a renamed function the prose names, fails here."""
    problems = []
    for path in DOC_FILES:
        text, page = path.read_text(), path.relative_to(ROOT).as_posix()
        for name in re.findall(
            r"`((?:rnn_models|tests|scripts|benchmarks|model_cards|docs)/[\w./-]*\w/?)`", text
        ):
            if not (ROOT / name).exists() and name not in WHEEL_ONLY:
                problems.append(f"{page}: no {name}")
        for name in re.findall(r"`([\w-]+\.(?:json|jsonl|txt))`", text):
            if not (ROOT / "benchmarks" / name).exists() and name not in FOLDER_FILES:
                problems.append(f"{page}: no benchmarks/{name}")
        for dotted in re.findall(r"(?<![\w/.])(rnn_models(?:\.\w+)+)", text):
            if not resolves(dotted):
                problems.append(f"{page}: no {dotted}")
    assert problems == []


def resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            if not hasattr(obj, attribute):
                return False
            obj = getattr(obj, attribute)
        return True
    return False
