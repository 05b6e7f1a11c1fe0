"""Run one test agency as its own process, for tests that kill or outlive processes.

    python -m safeshare.demo.agencies smtp  --port P --cert PEM --record-dir DIR [--hold-data]
    python -m safeshare.demo.agencies https --port P --cert PEM --record-dir DIR

`PEM` holds the server's private key and certificate chain. Once listening, the process prints
one JSON line, `{"agency": ..., "host": ..., "port": ...}`, and runs until SIGTERM or SIGINT.
SMTP only: SIGUSR1 releases held DATA, SIGUSR2 holds it again, and a file `data-held` appears
in the record directory while a DATA is waiting at the gate.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from safeshare.demo.agencies.certs import server_context_from_pem
from safeshare.demo.agencies.https import HttpsAgency
from safeshare.demo.agencies.smtp import SmtpAgency

DATA_HELD_MARKER = "data-held"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m safeshare.demo.agencies")
    parser.add_argument("kind", choices=["smtp", "https"])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--cert", type=Path, required=True, help="PEM: key and chain")
    parser.add_argument("--record-dir", type=Path, required=True)
    parser.add_argument("--hold-data", action="store_true", help="smtp: start with DATA held")
    parser.add_argument("--no-starttls", action="store_true", help="smtp: offer no STARTTLS")
    parser.add_argument("--fail-next", type=int, default=0, help="refuse this many first")
    parser.add_argument("--fail-code", type=int, default=451, help="SMTP code or HTTP status")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Start the agency, announce its port, and serve until told to stop."""
    args = _parser().parse_args(argv)
    args.record_dir.mkdir(parents=True, exist_ok=True)
    tls = server_context_from_pem(args.cert)
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = args.port or None
    if args.kind == "smtp":
        marker = args.record_dir / DATA_HELD_MARKER
        smtp = SmtpAgency(
            None if args.no_starttls else tls,
            port=port,
            record_dir=args.record_dir,
            on_data_held=marker.touch,
        )
        if args.hold_data:
            smtp.hold_data()
        if args.fail_next:
            smtp.fail_next(args.fail_next, args.fail_code)

        def release(signum: int, frame: FrameType | None) -> None:
            marker.unlink(missing_ok=True)
            smtp.release_data()

        def hold(signum: int, frame: FrameType | None) -> None:
            smtp.hold_data()

        signal.signal(signal.SIGUSR1, release)
        signal.signal(signal.SIGUSR2, hold)
        agency: SmtpAgency | HttpsAgency = smtp
    else:
        https = HttpsAgency(tls, port=port, record_dir=args.record_dir)
        if args.fail_next:
            https.fail_next(args.fail_next, args.fail_code)
        agency = https
    agency.start()
    try:
        print(json.dumps({"agency": args.kind, "host": agency.host, "port": agency.port}))
        sys.stdout.flush()
        while not stopping.wait(0.2):
            pass
    finally:
        agency.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
