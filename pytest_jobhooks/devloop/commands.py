"""The development loop's subcommands of ``python -m pytest_jobhooks``: ``listen``, ``trigger``, ``replay``.

:func:`add_commands` adds their parsers; :func:`run` runs the one chosen.
Arguments are checked by the parser, so a bad one is a usage error (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import cast

from ..errors import ArgumentError, UnknownVendorError
from ..factories import outcomes
from ..signing import secret_key
from ..vendors import VENDORS, get_vendor
from ..vendors.base import UnifiedStatus

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("listen", "trigger", "replay")
"""The subcommands this module adds."""


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``listen``, ``trigger`` and ``replay`` to the command line's subcommands."""
    listen = commands.add_parser(
        "listen",
        help="a capture server printing every delivery; forwards to your app, records, serves /_jobhooks/",
        description="Receive deliveries on HOST:PORT, print one line each and serve the live inspector at "
        "/_jobhooks/. Ctrl-C stops it and prints a summary per vendor.",
    )
    listen.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    listen.add_argument("--port", type=_port, default=0, help="port to listen on (default 0: a free one)")
    listen.add_argument("--forward-to", metavar="URL", type=_url, help="forward every delivery to URL, as received")
    listen.add_argument("--record", metavar="DIR", type=Path, help="append every delivery to DIR/listen.jobhooks.jsonl")
    listen.add_argument(
        "--secret",
        action="append",
        default=[],
        type=_secret,
        metavar="[VENDOR=]whsec_...",
        help="check signatures with this secret (VENDOR=...: for that vendor's deliveries); repeatable",
    )
    listen.add_argument("--respond", type=_status, default=200, metavar="STATUS", help="answer without --forward-to")

    trigger = commands.add_parser("trigger", help="send one whole realistic job of VENDOR to a URL, as it delivers")
    trigger.add_argument("vendor", metavar="VENDOR", type=_vendor, help=f"one of {', '.join(VENDORS)}")
    trigger.add_argument("--to", required=True, type=_url, metavar="URL", help="where to send the job")
    trigger.add_argument("--outcome", default="succeeded", choices=("succeeded", "failed", "cancelled"))
    trigger.add_argument("--seed", type=_seed, help="repeat a job exactly (default: drawn, and printed)")
    trigger.add_argument("--secret", type=_plain_secret, metavar="whsec_...", help="sign with this secret")
    trigger.add_argument("--duplicates", type=_probability, default=0.0, metavar="P", help="redelivery probability")
    trigger.add_argument("--reorder", action="store_true", help="send the job's deliveries out of order")
    trigger.add_argument("--real-time", action="store_true", help="wait out retry delays instead of virtual time")

    replay = commands.add_parser("replay", help="deliver recordings again to a URL (the CLI twin of replay())")
    replay.add_argument("files", nargs="+", metavar="FILE", help="recordings (.jsonl), - for stdin")
    replay.add_argument("--to", required=True, type=_url, metavar="URL", help="where to send them")
    replay.add_argument("--secret", type=_plain_secret, metavar="whsec_...", help="sign Svix-signed lines afresh")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the subcommand ``args`` names; its exit status."""
    if args.command == "listen":
        from .listen import ListenOptions, listen

        shared = [secret for vendor, secret in args.secret if vendor is None]
        if len(shared) > 1:
            parser.error("listen: --secret without VENDOR= may be given once")
        for vendor, _ in args.secret:
            if vendor is not None and args.secret.count((vendor, _)) > 1:
                parser.error(f"listen: --secret {vendor}=... given twice")
        options = ListenOptions(
            host=args.host,
            port=args.port,
            forward_to=args.forward_to,
            record=args.record,
            secret=shared[0] if shared else None,
            vendor_secrets={vendor: secret for vendor, secret in args.secret if vendor is not None},
            respond=args.respond,
        )
        return listen(options)
    from .sending import replay_files, trigger

    if args.command == "trigger":
        outcome = cast(UnifiedStatus, args.outcome)
        if outcome not in outcomes(args.vendor):
            parser.error(f"trigger: {args.vendor} jobs end in {', '.join(outcomes(args.vendor))}, not {outcome}")
        return trigger(
            args.vendor,
            args.to,
            outcome=outcome,
            seed=args.seed,
            secret=args.secret,
            duplicates=args.duplicates,
            reorder=args.reorder,
            real_time=args.real_time,
        )
    return replay_files(args.files, args.to, secret=args.secret)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port number from 0 to 65535, not {text!r}")
    return int(text)


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")) or len(text.split("://", 1)[1]) == 0:
        raise argparse.ArgumentTypeError(f"an http:// or https:// URL, not {text!r}")
    return text


def _plain_secret(text: str) -> str:
    if not text.startswith("whsec_"):
        raise argparse.ArgumentTypeError("a Svix secret: 'whsec_' followed by base64")
    try:
        secret_key(text)
    except ArgumentError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _secret(text: str) -> tuple[str | None, str]:
    vendor, sep, secret = text.partition("=")
    if sep and not vendor.startswith("whsec_"):
        return _vendor(vendor), _plain_secret(secret)
    return None, _plain_secret(text)


def _vendor(text: str) -> str:
    try:
        return get_vendor(text).name
    except UnknownVendorError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _status(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 200 <= int(text) <= 599:
        raise argparse.ArgumentTypeError(f"an HTTP status from 200 to 599, not {text!r}")
    return int(text)


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"an integer, not {text!r}") from None


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a probability from 0 to 1, not {text!r}")
    return value
