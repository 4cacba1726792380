"""`fielddesk` / `python -m app`: the window by default, headless commands by name.

fielddesk                      open the window on the local catalogue
fielddesk --demo               run against the embedded FieldAgent simulator
fielddesk --demo --reset       forget the demo's local data and start afresh
fielddesk sync|ls|login|logout the headless commands (see `fielddesk COMMAND --help`)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app import __version__, cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fielddesk",
        description="FieldDesk: an offline-first desktop client for Sentera FieldAgent.",
        epilog=cli.HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"FieldDesk {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the embedded FieldAgent simulator with a demo account and sign in to it",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="with --demo: delete the demo's local data first (your own data is never touched)",
    )
    parser.add_argument(
        "--server", metavar="URL", help="FieldAgent address (base URL or its /graphql endpoint)"
    )
    parser.add_argument("--data-dir", metavar="DIR", help="where the local database lives")
    parser.add_argument("--debug", action="store_true", help="debug logging")
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window offscreen, run a demo sync, and exit 0 if all went well",
    )
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add FieldDesk to your application menu (Linux) and exit",
    )
    cli.add_subcommands(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `fielddesk ls fields | head -5`: the reader has gone. Exit quietly, as Unix
        # tools do; point stdout at nothing so the interpreter's final flush is silent.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        from app.cli_common import EXIT_PIPE_CLOSED

        return EXIT_PIPE_CLOSED


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command:
        return cli.run_command(args)
    if args.reset:
        if not args.demo:
            parser.error("--reset only applies to --demo (your own data is never reset)")
        from pathlib import Path

        from app import config
        from app.launch.demo_reset import reset_demo_data

        folder = Path(args.data_dir) if args.data_dir else config.default_data_dir(demo=True)
        print(reset_demo_data(folder))
    if args.install_desktop_entry:
        from app.launch.desktop_entry import install_desktop_entry

        entry = install_desktop_entry()
        print(f"FieldDesk is in the application menu: {entry.desktop_file}")
        return 0
    from app.launch import early

    cannot_start = early.run_preflight()
    if cannot_start is not None:
        return cannot_start
    if args.smoke_test:
        from pathlib import Path

        from app.smoke import run_smoke_test

        return run_smoke_test(data_dir=Path(args.data_dir) if args.data_dir else None)
    from app.ui.application import run_from_args

    return run_from_args(args)


if __name__ == "__main__":
    sys.exit(main())
