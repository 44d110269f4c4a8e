"""MkDocs hooks of the documentation site (``hooks:`` in ``mkdocs.yml``).

- Code fences may carry settings for the tests that run them (``tests/docs/``): ```` ```bash needs="the Hub" ````
  or ```` ```python test="no-package" ````. Python-Markdown's fences would refuse those fences, so the settings
  are taken off before the page is rendered; ``title="..."`` stays (it names the file a block shows).
- ``<!-- cli-help: COMMAND -->`` on a line of its own becomes the ``--help`` text of ``rnn-models COMMAND``
  (``<!-- cli-help: -->``: the command list), so the command-line reference is the parsers themselves.
"""

import contextlib
import io
import os
import re

import griffe

__all__ = ["DoctestExamples", "cli_help", "on_page_markdown", "strip_test_settings"]

FENCE_SETTINGS = re.compile(
    r'^(?P<fence>[ \t]*(?:```+|~~~+)[ \t]*[\w+-]+)(?P<settings>(?:[ \t]+[\w-]+="[^"]*")+)[ \t]*$', re.M
)
KEPT_SETTINGS = ("title",)
SETTING = re.compile(r'([\w-]+)="([^"]*)"')
EXAMPLE_SECTION = re.compile(r"^(\s*)Example:$", re.M)
CLI_HELP = re.compile(r"^<!-- cli-help: ?([\w-]*) -->$", re.M)


def strip_test_settings(markdown: str) -> str:
    """Fences keep their language and ``title``; the test settings go.

    Example:
        >>> strip_test_settings('```bash needs="the Hub"\\nrnn-models push ...\\n```')
        '```bash\\nrnn-models push ...\\n```'
        >>> strip_test_settings('```yaml title="args.yaml" test="file"')
        '```yaml title="args.yaml"'
    """

    def keep(match: re.Match) -> str:
        kept = [
            f'{key}="{value}"' for key, value in SETTING.findall(match["settings"]) if key in KEPT_SETTINGS
        ]
        return " ".join([match["fence"], *kept])

    return FENCE_SETTINGS.sub(keep, markdown)


def cli_help(command: str) -> str:
    """What ``rnn-models COMMAND --help`` prints, 100 columns wide (``""``: the list of commands)."""
    from rnn_models.commands.cli import main

    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; the page should not depend on it
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main([command, "--help"] if command else ["--help"])
    return out.getvalue().rstrip()


def on_page_markdown(markdown: str, **kwargs) -> str:
    markdown = CLI_HELP.sub(lambda match: f"```text\n{cli_help(match[1])}\n```", markdown)
    return strip_test_settings(markdown)


class DoctestExamples(griffe.Extension):
    """Griffe extension (``extensions:`` in ``mkdocs.yml``): a Google-style ``Example:`` section is read as
    ``Examples:``, so its ``>>>`` lines render as code, not as Markdown (where ``[0, 1]`` reads as a link)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = EXAMPLE_SECTION.sub(r"\1Examples:", obj.docstring.value)
