"""The `rnn-models` command and its subcommands: thin parsers calling the layers below."""

__all__: list[str] = []
