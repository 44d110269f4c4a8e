"""The reference pages cover the package: every public name has its entry and a docstring example that runs, every
command its options; the site's hooks do what mkdocs.yml relies on."""

import doctest
import importlib.util
import re

import pytest
from doc_examples import ROOT

import rnn_models
from rnn_models.commands.cli import COMMANDS

DOCS = ROOT / "docs"
# Public names whose docstring has no example yet, and why: remove a name once its example is in.
PENDING: dict[str, str] = {}  # public names without an example yet, each with the reason


def test_the_api_page_documents_exactly_the_public_names():
    page = (DOCS / "reference" / "api.md").read_text()
    documented = re.findall(r"^::: rnn_models\.(\w+)$", page, flags=re.M)
    assert sorted(documented) == sorted(rnn_models.__all__)
    assert len(documented) == len(set(documented))


def test_the_cli_page_shows_every_command_s_options():
    page = (DOCS / "reference" / "cli.md").read_text()
    assert re.findall(r"^<!-- cli-help: ([\w-]+) -->$", page, flags=re.M) == list(COMMANDS)
    assert "<!-- cli-help: -->" in page  # the list of commands


def test_public_docstrings_carry_an_example_that_runs():
    """Classes and functions: `--doctest-modules` runs theirs; module attributes (PRESETS, KERAS_FILTERS) keep
    their docstring in the source only, so griffe reads it and it runs here."""
    griffe = pytest.importorskip("griffe")
    package = griffe.load("rnn_models", search_paths=[str(ROOT)], resolve_aliases=True)
    missing, ran = [], 0
    for name in rnn_models.__all__:
        obj = package[name]
        text = obj.docstring.value if obj.docstring else ""
        if ">>>" not in text:
            missing.append(name)
        elif obj.is_attribute:
            test = doctest.DocTestParser().get_doctest(
                text, {}, f"rnn_models.{name}", str(obj.filepath), obj.lineno
            )
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            runner.run(test)
            assert runner.failures == 0, f"the example of rnn_models.{name} fails"
            ran += 1
    assert sorted(missing) == sorted(PENDING), "add an example, or say in PENDING why there is none yet"
    assert ran == 2


def test_mkdocs_hooks():
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    assert doctest.testmod(hooks).failed == 0
    page = 'Run:\n\n```bash needs="x" test="y"\nrnn-models predict\n```\n\n<!-- cli-help: export-onnx -->\n'
    rendered = hooks.on_page_markdown(page)
    assert "```bash\nrnn-models predict\n```" in rendered
    assert "```text\nusage: rnn-models export-onnx" in rendered and "--overwrite" in rendered
