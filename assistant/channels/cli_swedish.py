"""Swedish for the command line: Typer's and Click's own words in help texts and errors.

Typer 0.29 carries its own copy of Click, whose messages are plain f-strings (no gettext), and
its rich help takes headings and markers from constants in `typer.rich_utils`. So the words are
put in Swedish in three ways, all from the catalogue below (English as Typer writes it → Swedish):

- the constants in `typer.rich_utils` are replaced once (`install_swedish`);
- the command classes here write the usage line, the help option and the value hints;
- an error leaving a command is rebuilt from its English text by the message templates.

`SwedishTyper` is the `typer.Typer` that does all three. Wording Typer changes in a later
release stays English until the catalogue follows; tests/channels/test_cli_swedish.py walks
every command's help and the usual mistakes and fails on any English left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer import rich_utils
from typer._click.core import Command, Context, Parameter
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

USAGE = "Användning: "
OPTIONS_METAVAR = "[FLAGGOR]"
SUBCOMMAND_METAVAR = "KOMMANDO [ARGUMENT]..."
HELP_OPTION = "Visa den här hjälpen och avsluta."

# Typer's rich help: the constants of typer.rich_utils, by their English value.
HELP_WORDS: dict[str, str] = {
    "(deprecated) ": "(utgår) ",
    "[default: {}]": "[standard: {}]",
    "[env var: {}]": "[miljövariabel: {}]",
    "[required]": "[krävs]",
    "Arguments": "Argument",
    "Options": "Flaggor",
    "Commands": "Kommandon",
    "Error": "Fel",
    "Aborted.": "Avbrutet.",
    "Try [blue]'{command_path} {help_option}'[/] for help.":
        "Se [blue]'{command_path} {help_option}'[/] för hjälp.",
}
RICH_CONSTANTS = (
    "DEPRECATED_STRING", "DEFAULT_STRING", "ENVVAR_STRING", "REQUIRED_LONG_STRING",
    "ARGUMENTS_PANEL_TITLE", "OPTIONS_PANEL_TITLE", "COMMANDS_PANEL_TITLE",
    "ERRORS_PANEL_TITLE", "ABORTED_TEXT", "RICH_HELP",
)

# The value hint after an option (`<text>`), by the type name Typer shows (`<str>`).
TYPE_WORDS: dict[str, str] = {
    "str": "text",
    "int": "heltal",
    "float": "tal",
    "path": "sökväg",
    "file": "fil",
    "dir": "mapp",
    "datetime": "datum",
}

# Errors, as Click, Typer and Pydantic (Typer's value checks) write them → Swedish. A
# `{name}` stands for any text; a `{message}` is itself translated.
MESSAGES: dict[str, str] = {
    # Parsing the command line.
    "No such option: {option}": "Okänd flagga: {option}",
    "No such option: {option} (Possible options: {options})":
        "Okänd flagga: {option} (menade du {options}?)",
    "No such command {name}.": "Okänt kommando {name}.",
    "No such command {name}. Did you mean {names}?": "Okänt kommando {name}. Menade du {names}?",
    "Missing command.": "Ange ett kommando.",
    "Missing argument {name}.": "Argumentet {name} saknas.",
    "Missing argument {name}. {message}": "Argumentet {name} saknas. {message}",
    "Missing option {name}.": "Flaggan {name} saknas.",
    "Missing option {name}. {message}": "Flaggan {name} saknas. {message}",
    "Missing parameter {name}.": "Värdet {name} saknas.",
    "Missing parameter: {name}": "Värde saknas: {name}",
    "Choose from:\n\t{choices}": "Välj bland:\n\t{choices}",
    "Got unexpected extra argument(s) ({args})": "Argument som inte väntades: {args}",
    "Option {option} does not take a value.": "Flaggan {option} tar inget värde.",
    "Option {option} requires an argument.": "Flaggan {option} behöver ett värde.",
    "Option {option} requires {n} arguments.": "Flaggan {option} behöver {n} värden.",
    "Argument {name} takes {n} values.": "Argumentet {name} tar {n} värden.",
    "Invalid value: {message}": "Ogiltigt värde: {message}",
    "Invalid value for {name}: {message}": "Ogiltigt värde för {name}: {message}",
    # Values.
    "{value} is not one of {choices}.": "{value} är inte ett av {choices}.",
    "Value {value} is not a valid {kind}.": "Värdet {value} går inte att använda som {kind}.",
    "path {path} does not exist.": "Sökvägen {path} finns inte.",
    "file {path} does not exist.": "Filen {path} finns inte.",
    "dir {path} does not exist.": "Mappen {path} finns inte.",
    "path {path} is a file.": "Sökvägen {path} är en fil, inte en mapp.",
    "dir {path} is a file.": "{path} är en fil, inte en mapp.",
    "path {path} is a directory.": "Sökvägen {path} är en mapp, inte en fil.",
    "file {path} is a directory.": "{path} är en mapp, inte en fil.",
    "path {path} is not readable.": "Sökvägen {path} går inte att läsa.",
    "file {path} is not readable.": "Filen {path} går inte att läsa.",
    "dir {path} is not readable.": "Mappen {path} går inte att läsa.",
    "path {path} is not writable.": "Det går inte att skriva till {path}.",
    "file {path} is not writable.": "Det går inte att skriva till {path}.",
    "dir {path} is not writable.": "Det går inte att skriva i mappen {path}.",
    "Could not open file {path}: {reason}": "Filen {path} kunde inte öppnas: {reason}",
    "Input should be a valid integer": "ange ett heltal",
    "Input should be a valid integer, unable to parse string as an integer": "ange ett heltal",
    "Input should be a valid integer, got a number with a fractional part":
        "ange ett heltal, utan decimaler",
    "Input should be a valid number": "ange ett tal",
    "Input should be a valid number, unable to parse string as a number": "ange ett tal",
    "Input should be a valid string": "ange en text",
    "Input should be a valid boolean, unable to interpret input": "ange true eller false",
    "Input should be greater than or equal to {n}": "värdet måste vara minst {n}",
    "Input should be greater than {n}": "värdet måste vara större än {n}",
    "Input should be less than or equal to {n}": "värdet får vara högst {n}",
    "Input should be less than {n}": "värdet måste vara mindre än {n}",
    "Input should be {choices} or {last}": "ange {choices} eller {last}",
    "Value error, {message}": "{message}",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    regex = "".join(
        f"(?P<{part}>.+?)" if i % 2 else re.escape(part) for i, part in enumerate(parts)
    )
    return re.compile(regex, re.DOTALL)


# Most literal text first, so "No such option: X (Possible options: Y)" is not read as an
# option named "X (Possible options: Y)".
_TEMPLATES = sorted(
    ((_pattern(english), swedish) for english, swedish in MESSAGES.items()),
    key=lambda item: -len(_PLACEHOLDER.sub("", item[0].pattern)),
)


def translate(message: str) -> str:
    """The Swedish of one of Click's, Typer's or Pydantic's messages; others unchanged."""
    for pattern, swedish in _TEMPLATES:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = found.groupdict()
        if "message" in values:
            values["message"] = translate(values["message"])
        return swedish.format(**values)
    return message


def in_swedish(error: ClickException) -> ClickException:
    """The same error (kind, context, exit code) with its message in Swedish."""
    text = translate(error.format_message())
    rebuilt = UsageError(text, error.ctx) if isinstance(error, UsageError) else (
        ClickException(text)
    )
    rebuilt.exit_code = error.exit_code
    return rebuilt


@contextmanager
def swedish_errors() -> Iterator[None]:
    """Let Click's errors leave in Swedish (the rendering of them is Typer's)."""
    try:
        yield
    except NoArgsIsHelpError:
        raise
    except ClickException as error:
        raise in_swedish(error) from None


def type_hint(english: str) -> str:
    """`<heltal>` for Typer's `<int>`, `<text>` for `<list[str]>` (the option is repeated)."""
    label = english.strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    label = label.removesuffix(" range")
    words = [TYPE_WORDS.get(word.lower(), word) for word in label.split(",")]
    return f"<{' '.join(words)}>"


def _in_swedish(shown: Callable[[Context], str | None]) -> Callable[[Context], str | None]:
    def hint(ctx: Context) -> str | None:
        english = shown(ctx)
        return None if english is None else type_hint(english)

    return hint


class _SwedishHelp(Command):
    """What the group and its commands share: the usage line, help option and value hints."""

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The usage line, after "Användning:"."""
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=USAGE)

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        """`--help`, explained in Swedish."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    def get_params(self, ctx: Context) -> list[Parameter]:
        """The parameters, each option with a Swedish value hint and a flag with none (a
        `<bool>` would invite `--draft true`)."""
        params = super().get_params(ctx)
        for param in params:
            if isinstance(param, TyperOption) and param.metavar is None:
                param.metavar = "" if param.is_flag else type_hint(param.display_type(ctx))
            elif isinstance(param, TyperArgument) and "display_type_rich" not in vars(param):
                # An argument's metavar is its name, so its hint is changed where it is shown.
                param.display_type_rich = _in_swedish(  # type: ignore[method-assign,assignment]
                    param.display_type_rich
                )
        return params


class SwedishCommand(_SwedishHelp, TyperCommand):
    """A command whose help is Swedish."""

    def __init__(self, name: str | None, **attrs: Any) -> None:
        attrs["options_metavar"] = OPTIONS_METAVAR
        super().__init__(name, **attrs)


class SwedishGroup(_SwedishHelp, TyperGroup):
    """The command group: Swedish help, and every error on the way out in Swedish."""

    def __init__(self, **attrs: Any) -> None:
        attrs["subcommand_metavar"] = attrs.get("subcommand_metavar") or SUBCOMMAND_METAVAR
        super().__init__(**attrs)
        self.options_metavar = OPTIONS_METAVAR

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Context | None = None,
        **extra: Any,
    ) -> Context:
        """Parse the group's own options; errors in Swedish."""
        with swedish_errors():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Context) -> Any:
        """Find, parse and run the command; errors in Swedish."""
        with swedish_errors():
            return super().invoke(ctx)


def install_swedish() -> None:
    """Put Typer's rich help headings and markers in Swedish (idempotent)."""
    for name in RICH_CONSTANTS:
        value = getattr(rich_utils, name)
        setattr(rich_utils, name, HELP_WORDS.get(value, value))


class SwedishTyper(typer.Typer):
    """`typer.Typer` whose commands speak Swedish in help and errors."""

    def __init__(self, **kwargs: Any) -> None:
        install_swedish()
        kwargs.setdefault("cls", SwedishGroup)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        """`Typer.command`, making a `SwedishCommand` unless told otherwise."""
        kwargs["cls"] = kwargs.get("cls") or SwedishCommand
        return super().command(*args, **kwargs)

