"""Entry point: `ketachart` starts the application; `ketachart COMMAND` runs a command.

Wiring order: settings -> logging -> database -> QApplication -> main window; the
application window sets up logging itself, once its login window is on screen (see
ketachart.ui.application), so this module imports little. Qt is imported only when the
application window is wanted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from ketachart.cli.parser import build_parser
from ketachart.errors import KetachartError
from ketachart.storage.files import PRIVATE_UMASK

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run under a umask that keeps whatever is created the owner's alone (storage.files sets
    each mode explicitly as well); the caller's umask is put back on return (tests call this)."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        return _main(argv)
    finally:
        os.umask(previous)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except KetachartError as error:
        from ketachart.cli.terminal import shown

        print(f"ketachart: error: {shown(error.message)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ketachart: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `ketachart sessions | head`): nothing more to say
        sys.stderr.close()
        return 0
    except OSError as error:
        # a file or folder the command used: its path and what to do, never "unexpected"
        from ketachart.cli.terminal import shown
        from ketachart.storage.outputs import file_problem

        log.warning("file error in command %s: %s", args.command, error.strerror)
        print(f"ketachart: error: {shown(file_problem(error))}", file=sys.stderr)
        return 1
    except Exception:
        from ketachart.logs import setup_logging

        log_file = setup_logging()  # once only: the window may have set it up already
        log.exception("unexpected error in command %s", args.command)
        print(f"ketachart: unexpected error; details are in the log: {log_file}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command is None:
        from ketachart.ui.application import run_application

        return run_application(args)  # sets up logging once its login window is shown
    from ketachart.cli.commands import COMMANDS
    from ketachart.logs import setup_logging

    setup_logging()
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
