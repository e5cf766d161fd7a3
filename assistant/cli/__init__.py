"""`python -m assistant …` (or the `zenrei` script): the commands of Zenrei's terminal face."""

from .main import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
