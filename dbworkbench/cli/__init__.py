"""The command-line front end: each sub-command maps its arguments onto one `app` function and renders the
report it returns (`cli.verbs`, `cli.render_*`).

`ui` (and no command at all) opens the Textual workbench; Textual is imported only then.

Results go to stdout, progress and errors to stderr. Every `DbWorkbenchError` becomes a one-paragraph
message and its exit code; nothing prints a traceback unless DBWORKBENCH_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from dbworkbench.cli.parser import build_parser, settings_from
from dbworkbench.config import redact
from dbworkbench.errors import DbWorkbenchError, ExitCode

__all__ = ["build_parser", "main"]

BROKEN_PIPE = 141
"""Exit code when the reader of stdout went away (128 + SIGPIPE, as the shell reports a killed writer)."""
INTERNAL_ERROR = 70
"""Exit code of a bug in dbworkbench (BSD's EX_SOFTWARE); never of a user's mistake."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["ui", *(argv or [])])
    try:
        from dbworkbench.cli.verbs import HANDLERS  # parsing and --help never load the application layer
        from dbworkbench.cli.verbs_fleet import fleet_handler

        settings = settings_from(args)
        code = (fleet_handler(args, settings) or HANDLERS[args.command])(args, settings)
        sys.stdout.flush()  # a reader that left is seen here, not at interpreter exit
        return code
    except DbWorkbenchError as exc:
        _print_error(exc.title, exc.message)
        return int(exc.exit_code)
    except BrokenPipeError:  # `dbworkbench status | head`: the reader left; say nothing more, like other tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
    except KeyboardInterrupt:
        _print_error("interrupted", "stopped by Ctrl-C. A transactional file in progress was rolled back; "
                     "a non-transactional one keeps its recorded progress and `migrate` resumes it.")
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # the last line of defence: one paragraph, never a traceback
        if os.environ.get("DBWORKBENCH_DEBUG") == "1":
            raise
        _print_error("internal error", f"{type(exc).__name__}: {exc}. This is a bug in dbworkbench; "
                     "rerun with DBWORKBENCH_DEBUG=1 for the traceback and report it.")
        return INTERNAL_ERROR


def _print_error(title: str, message: str) -> None:
    print(f"error: {title}: {redact(message)}", file=sys.stderr)
