"""The console tables print on: wide enough when the output is a pipe or a file.

Rich falls back to 80 columns when stdout is not a terminal, which folds names, e-mail addresses
and reasons into unreadable stubs in `parflow simulate … > season.txt` or in CI logs.
"""

from __future__ import annotations

from rich.console import Console

PIPE_WIDTH = 160


def table_console(min_width: int = 0) -> Console:
    console = Console()
    if not console.is_terminal:
        return Console(width=max(PIPE_WIDTH, min_width))
    return Console(width=max(console.width, min_width)) if min_width else console
