"""Docs that cannot drift: the options reference against `pytest --help`, the command table against the
CLI, and the README's sample output against the table the code prints now."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nngate.cli import parser
from nngate.gate.options import DEFAULT_THRESHOLD
from nngate.gate.table import HEADER

ROOT = Path(__file__).resolve().parent.parent
OPTION_ROW = re.compile(r"^\| `(--[a-z-]+(?:=\S+)?)` \| ([^|]+?) \|")
HELP_OPTION = re.compile(r"^  (--[a-z-]+(?:=\S+)?)")
HELP_DEFAULT = re.compile(r"\(default: (.*)\)\s*$")


def documented_options() -> dict[str, str]:
    """Each row of docs/options.md's table: the option as `pytest --help` shows it -> its default."""
    rows = [OPTION_ROW.match(line) for line in (ROOT / "docs" / "options.md").read_text().splitlines()]
    return {row.group(1): row.group(2).strip() for row in rows if row}


def helped_options(help_text: str) -> dict[str, str]:
    """The `nnbench` group of `pytest --help`: each option -> the default its help ends with."""
    group = help_text.split("\nnnbench:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    options: dict[str, list[str]] = {}
    for line in group:
        if found := HELP_OPTION.match(line):
            current = found.group(1)
            options[current] = [line[found.end() :].strip()]
        else:
            options[current].append(line.strip())
    return {name: HELP_DEFAULT.search(" ".join(words)).group(1) for name, words in options.items()}


@pytest.fixture(scope="module")
def pytest_help() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.integration
def test_the_options_reference_lists_exactly_the_options_and_defaults_pytest_help_shows(pytest_help):
    assert documented_options() == helped_options(pytest_help)


def test_an_option_added_without_its_row_is_caught():
    help_text = "usage\nnnbench: group:\n  --new-option=N        something new (default: 3)\n\nother:\n"
    assert helped_options(help_text) == {"--new-option=N": "3"}
    assert "--new-option=N" not in documented_options()


def cli_commands() -> set[str]:
    """Every `nngate` command, a command with actions as `command action`."""
    commands = set()
    verbs = next(action for action in parser()._actions if action.dest == "command")
    for name, sub in verbs.choices.items():
        actions = [action for action in sub._actions if action.dest == "action"]
        commands |= {f"{name} {each}" for each in actions[0].choices} if actions else {name}
    return commands


def documented_commands() -> set[str]:
    """The commands docs/commands.md's table names, `history import|backfill|show` style."""
    commands = set()
    for line in (ROOT / "docs" / "commands.md").read_text().splitlines():
        if found := re.match(r"^\| `nngate ([a-z-]+)(?: ([a-z]+)\b)?", line):
            verb, action = found.groups()
            commands.add(f"{verb} {action}" if verb == "history" and action else verb)
    return commands


def test_every_command_in_the_docs_exists_and_every_command_is_documented():
    assert documented_commands() == cli_commands()


def readme_sample() -> list[str]:
    text = (ROOT / "README.md").read_text()
    begin, end = "<!-- sample output: begin", "<!-- sample output: end -->"
    return text.split(begin, 1)[1].split(end, 1)[0].splitlines()


def test_the_readme_is_a_first_screen_with_both_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 200
    assert any("tox -e bench" in line for line in lines[:10]) and any("tox -e test" in line for line in lines[:10])


def test_the_readme_sample_is_the_table_the_gate_prints_now():
    sample = readme_sample()
    assert sample[2].startswith("$ pytest bench --gate"), "a real run's command, with its exit status and CPU"
    header = next(line for line in sample if line.startswith("benchmark "))
    assert header.split() == list(HEADER)
    summary = next(line for line in sample if line.startswith("gate: ") and "regression(s) of" in line)
    assert f"threshold +{DEFAULT_THRESHOLD:.0%} time" in summary


def test_the_readmes_table_of_spreads_is_the_recorded_one():
    from nngate.gate.spread import load_recorded, spreads_file
    from nngate.gate.spread_table import spread_table

    readme = (ROOT / "README.md").read_text()
    shown = readme.split("<!-- spreads: begin (nngate spreads) -->\n", 1)[1].split("\n<!-- spreads: end -->", 1)[0]
    assert shown == spread_table(load_recorded(spreads_file(ROOT)), DEFAULT_THRESHOLD)
