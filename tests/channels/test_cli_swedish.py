"""The command line speaks Swedish: every command's help, the usual mistakes, and ingest's own
errors, with no English word of Typer's, Click's or Pydantic's left."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant.channels.cli import app
from assistant.channels.cli_swedish import translate, type_hint
from assistant.ingest.catalog import TARGET_GROUPS
from assistant.settings import project_root

runner = CliRunner()
ENGLISH = [
    "Usage", "Options", "Commands", "Arguments", "Show this message", "required", "default",
    "Error", "Try", "No such", "Missing", "Got unexpected", "Invalid value", "does not exist",
    "Input should", "Possible options", "Did you mean", "<bool>", "<str>", "<int>", "<path>",
    "list[",
]
ENGLISH_WORD = re.compile(
    "|".join(rf"(?<![\w-]){re.escape(word)}(?![\w-])" if word[0].isalpha() else re.escape(word)
             for word in ENGLISH),
    re.IGNORECASE,
)
SWEDISH_HELP = ["Användning:", "Flaggor", "Visa den här hjälpen och avsluta."]


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    # One line per message, so a phrase is never split by the panel's wrapping.
    monkeypatch.setenv("COLUMNS", "240")


def run(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, result.output


def english_in(text: str) -> list[str]:
    return ENGLISH_WORD.findall(text)


def command_names() -> list[str]:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    return sorted(group.commands)


def test_the_app_has_commands_to_walk() -> None:
    assert {"ingest", "ask", "serve", "index", "eval"} <= set(command_names())


@pytest.mark.parametrize("args", [[], ["--help"]])
def test_the_top_level_help_is_swedish(args: list[str]) -> None:
    code, text = run(args)
    assert code in (0, 2), text
    assert english_in(text) == [], text
    for word in [*SWEDISH_HELP, "Kommandon", "KOMMANDO"]:
        assert word in text, (word, text)


@pytest.mark.parametrize("name", command_names())
def test_every_commands_help_is_swedish(name: str) -> None:
    code, text = run([name, "--help"])
    assert code == 0, text
    assert english_in(text) == [], text
    for word in SWEDISH_HELP:
        assert word in text, (word, text)


def test_ingest_help_marks_required_and_defaults_and_lists_the_target_groups() -> None:
    _, text = run(["ingest", "--help"])
    assert "[krävs]" in text and "[standard: alla åldrar]" in text and "Argument" in text
    assert all(group in text for group in TARGET_GROUPS), text


def test_flags_show_no_value_hint_and_values_a_swedish_one() -> None:
    _, text = run(["ingest", "--help"])
    draft = next(line for line in text.splitlines() if "--draft" in line)
    assert "<" not in draft, draft
    title = next(line for line in text.splitlines() if "--title" in line)
    assert "<text>" in title, title
    _, text = run(["ask", "--help"])
    top_k = next(line for line in text.splitlines() if "--top-k" in line)
    assert "<heltal>" in top_k, top_k


MISTAKES = [
    (["--bogus"], "Okänd flagga: --bogus"),
    (["ask", "--regio", "Värmland", "fråga"], "menade du --region?"),
    (["inges"], "Okänt kommando 'inges'. Menade du 'ingest'"),
    (["ingest", "avtal.txt", "--title", "T"], "Flaggan '--id' saknas."),
    (["ingest"], "Argumentet 'FIL' saknas."),
    (["ask", "fråga", "extra"], "Argument som inte väntades: extra"),
    (["ingest", "avtal.txt", "--id", "a", "--title", "T", "--draft", "true"],
     "Argument som inte väntades: true"),
    (["ask", "--top-k", "abc", "fråga"], "Ogiltigt värde för '--top-k': ange ett heltal"),
    (["ask", "--top-k", "0", "fråga"], "värdet måste vara minst 1"),
    (["purge", "--days", "-1"], "värdet måste vara minst 0"),
    (["ask", "--json=1", "fråga"], "Flaggan '--json' tar inget värde."),
    (["eval", "--compare-runs", "a.json"], "Flaggan '--compare-runs' behöver 2 värden."),
    (["bench", "--only", "allt"], "Ogiltigt värde för --only: okänd del allt; välj bland"),
]


@pytest.mark.parametrize(("args", "swedish"), MISTAKES)
def test_usage_errors_are_swedish(args: list[str], swedish: str) -> None:
    code, text = run(args)
    assert code == 2, text
    assert english_in(text) == [], text
    assert swedish in text, text
    assert "Fel" in text, text
    # Click's parser reports a misused option without the command's context, so no usage.
    if not any(arg in ("--json=1", "--compare-runs") for arg in args):
        assert "Användning:" in text and "för hjälp." in text, text


def test_ingest_reports_a_missing_file_before_anything_else(tmp_path: Path) -> None:
    # No region, party or target group either: the file is what is wrong first.
    missing = tmp_path / "finns-inte.pdf"
    code, text = run(["ingest", str(missing), "--id", "ny", "--title", "T",
                      "--corpus", str(tmp_path)])
    assert code == 2
    assert f"Filen finns inte: {missing}" in text, text
    assert english_in(text) == []


def test_ingest_names_an_unknown_target_group_plainly(tmp_path: Path) -> None:
    source = tmp_path / "avtal.txt"
    source.write_text("Överenskommelse\n\nRegionen ansvarar för vården.\n", "utf-8")
    code, text = run(["ingest", str(source), "--id", "ny", "--title", "T", "--region",
                      "Värmland", "--target-group", "beroende", "--corpus", str(tmp_path)])
    assert code == 2
    assert f'Okänd målgrupp "beroende". Tillåtna målgrupper: {", ".join(TARGET_GROUPS)}.' in (
        " ".join(text.split())), text
    assert "target_groups" not in text and "['" not in text and "('" not in text


def test_the_real_process_prints_swedish_help_and_errors() -> None:
    env = {**os.environ, "COLUMNS": "240"}
    run_it = [sys.executable, "-m", "assistant"]
    help_text = subprocess.run([*run_it, "--help"], capture_output=True, text=True, env=env,
                               cwd=project_root(), check=True).stdout
    assert english_in(help_text) == [] and "Användning:" in help_text, help_text
    failed = subprocess.run([*run_it, "ask", "fråga", "extra"], capture_output=True, text=True,
                            env=env, cwd=project_root())
    assert failed.returncode == 2
    assert english_in(failed.stderr) == [], failed.stderr
    assert "Argument som inte väntades: extra" in failed.stderr


@pytest.mark.parametrize(
    ("english", "swedish"),
    [
        ("Invalid value for '--x': Input should be less than or equal to 20",
         "Ogiltigt värde för '--x': värdet får vara högst 20"),
        ("Invalid value for 'FIL': path 'a b' does not exist.",
         "Ogiltigt värde för 'FIL': Sökvägen 'a b' finns inte."),
        ("Missing option '--kind'. Choose from:\n\tx,\n\ty",
         "Flaggan '--kind' saknas. Välj bland:\n\tx,\n\ty"),
        ("Invalid value for '--kind': Input should be 'a' or 'b'",
         "Ogiltigt värde för '--kind': ange 'a' eller 'b'"),
        ("okänd del x", "okänd del x"),
    ],
)
def test_messages_are_translated_template_by_template(english: str, swedish: str) -> None:
    assert translate(english) == swedish


def test_type_hints() -> None:
    assert type_hint("<list[str]>") == "<text>"
    assert type_hint("<Path,Path>") == "<sökväg sökväg>"
    assert type_hint("<int range>") == "<heltal>"
    assert type_hint("<a|b>") == "<a|b>"
