"""Command-line words that begin with "-" but are values, not options.

Generation ids use nanoid's alphabet, which includes "-", so `genlib show -Gq79…` must show that
generation; likewise `genlib search -postgres` (an excluded word) or `genlib generate "-1 + 2?"`.
argparse takes any such word for an unknown option, so before parsing, the first one that names no
option of its subcommand is moved behind a "--", where argparse reads it as the positional value.
"""
from __future__ import annotations

import argparse


def dash_positionals(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`argv` with a dash-leading positional value moved behind "--" (unchanged when there is none)."""
    sub = _subcommand_parser(parser, argv[0]) if argv else None
    if sub is None or "--" in argv:
        return argv
    if sub._subparsers is not None and len(argv) > 1:  # a command of commands: `batch status -Gq79…`
        return argv[:1] + dash_positionals(sub, argv[1:])
    options = sub._option_string_actions  # argparse's own map of every option string to its action
    for index, word in enumerate(argv[1:], start=1):
        if len(word) < 2 or not word.startswith("-") or word.split("=", 1)[0] in options:
            continue
        previous = options.get(argv[index - 1])
        if previous is not None and previous.nargs != 0:  # the value of an option such as --after
            continue
        return argv[:index] + argv[index + 1:] + ["--", word]
    return argv


def _subcommand_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser | None:
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(name)
    return None
