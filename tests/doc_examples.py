"""The code blocks of README.md and docs/: found, read with their fence settings, checked and run.

A block runs unless its fence says what it needs that the suite cannot have, as ```` ```bash needs="the
competition's files" ````: such a block is checked instead (Python: it compiles and its imports resolve; shell: each
``rnn-models`` command names a command and options that exist). Settings: ``needs="..."`` (any block: checked, not
run), ``test="no-package"`` (Python: runs where ``import rnn_models`` fails, as for a Hub user without it),
``title="FILE"`` (another language: the block is written to FILE for the blocks after it). Python blocks are found
and run by pytest-examples; a block that shows its output as ``#>`` lines (or a ``\"\"\"`` block after a print) has
it compared. Shell blocks run their ``rnn-models`` commands in-process, one after the other.
"""

import contextlib
import functools
import io
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from pytest_examples import CodeExample, find_examples

__all__ = [
    "DOC_FILES",
    "ROOT",
    "Block",
    "blocks",
    "command_options",
    "import_problems",
    "option_problems",
    "rnn_models_argv",
    "setting_problems",
    "shell_commands",
]

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<source>.*?)^```[ \t]*$", re.M | re.S)
SETTINGS = {"needs": None, "test": {"no-package"}, "title": None}
SHELL = {"bash", "sh", "shell", "console"}


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, counted from 1
    language: str
    settings: dict[str, str] = field(hash=False)
    source: str
    example: CodeExample | None = field(default=None, hash=False, compare=False)  # Python blocks

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def needs(self) -> str | None:
        return self.settings.get("needs")


def blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path`` in order; Python blocks carry pytest-examples' `CodeExample`."""
    text = path.read_text(encoding="utf-8")
    examples = {example.start_line: example for example in find_examples(path)}
    found = []
    for match in FENCE.finditer(text):
        line = text[: match.start()].count("\n") + 1
        info = match["info"].strip()
        language = info.split(maxsplit=1)[0].lower() if info else ""
        settings = dict(re.findall(r'([\w-]+)="([^"]*)"', info))
        found.append(Block(path, line, language, settings, match["source"], examples.pop(line, None)))
    if examples:  # pytest-examples and this reader must agree on what a Python block is
        raise AssertionError(f"{path}: blocks at lines {sorted(examples)} found by pytest-examples only")
    return found


def setting_problems(block: Block) -> list[str]:
    problems = []
    for key, value in block.settings.items():
        allowed = SETTINGS.get(key, ())
        if key not in SETTINGS or (allowed is not None and value not in allowed):
            problems.append(f'{block.where}: unknown fence setting {key}="{value}"')
    if block.settings.get("test") and block.language not in ("python", "py"):
        problems.append(f"{block.where}: test=... is for Python blocks")
    return problems


def shell_commands(source: str) -> list[list[str]]:
    """The commands of a shell block, as words: continuation lines joined, comments dropped, ``&&`` splits."""
    commands = []
    for line in source.replace("\\\n", " ").splitlines():
        command: list[str] = []
        for word in shlex.split(line, comments=True):
            if word in ("&&", "||", ";"):
                commands.append(command)
                command = []
            else:
                command.append(word)
        commands.append(command)
    return [command for command in commands if command]


def rnn_models_argv(words: list[str]) -> list[str] | None:
    """The arguments of ``rnn-models`` in a command (also under ``python -m`` / ``torchrun -m`` / ``accelerate
    launch -m``, and ``python scripts/train.py``), or None when the command is something else."""
    if words[0] == "rnn-models":
        return words[1:]
    for i, word in enumerate(words[:-1]):
        if word == "-m" and words[i + 1] == "rnn_models":
            return words[i + 2 :]
    if words[0] in ("python", "python3") and words[1:2] == ["scripts/train.py"]:
        return ["train", *words[2:]]
    return None


@functools.cache
def command_options(command: str) -> frozenset[str]:
    """The options ``rnn-models COMMAND --help`` lists."""
    from rnn_models.commands.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main([command, "--help"])
    return frozenset(re.findall(r"(?<![\w-])--[A-Za-z][\w-]*", out.getvalue()))


def option_problems(argv: list[str]) -> list[str]:
    """What does not exist in an ``rnn-models`` command line: the command, or any of its ``--options``.

    Example:
        >>> option_problems(["predict", "--model", "m", "--top_k", "3", "--explain", "a text"])
        []
        >>> option_problems(["predict", "--model", "m", "--top_kk", "3"])
        ['rnn-models predict has no option --top_kk']
    """
    from rnn_models.commands.cli import COMMANDS

    if not argv or argv[0] not in COMMANDS:
        return [f"rnn-models has no command {argv[:1]}"]
    known = command_options(argv[0])
    options = {word.strip("[]").split("=", 1)[0] for word in argv[1:] if word.strip("[]").startswith("--")}
    return [f"rnn-models {argv[0]} has no option {option}" for option in sorted(options - known)]


def import_problems(source: str, where: str) -> list[str]:
    """Compiles ``source`` and runs its import statements only: a name that moved or was renamed fails."""
    import ast

    tree = ast.parse(source, filename=where)
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    try:
        exec(compile(ast.Module(body=imports, type_ignores=[]), where, "exec"), {"__name__": "doc_example"})
    except ImportError as error:
        return [f"{where}: {error}"]
    return []
