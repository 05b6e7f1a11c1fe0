"""`safeshare witness ...`: the witness side a local authority or trust auditor runs
(`init`, `add-log`, `serve`), and what a school asks of a witness (`checkpoint`, `tombstones`).

The witness keeps its own key and store in its own folder (`--dir`), never the school's data
folder: it is the copy of the history that the school's administrators cannot rewrite.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import typer

from domain.errors import InvalidValue
from safeshare.adapters.witness_client import WitnessUnreachable
from safeshare.bootstrap import utc_now
from safeshare.entrypoints.cli import state
from safeshare.entrypoints.cli.output import EXIT_REFUSED, console, emit, fail, guarded
from safeshare.services.witnessing import fetch_tombstones, fetch_witnessed_checkpoint
from safeshare.witness.server import WitnessServer
from safeshare.witness.witness import Witness, init_witness

app = typer.Typer(help="Witnesses: cosign schools' checkpoints (C2SP tlog-witness over HTTPS).")

JSON = typer.Option(False, "--json", help="Machine-readable output.")
DIR = typer.Option(..., "--dir", help="The witness's own folder (its key and its store).")


def _witness(directory: Path) -> Witness:
    try:
        return Witness(directory, utc_now)
    except (OSError, ValueError) as e:
        raise InvalidValue("dir", f"{directory}: not a witness folder ({e})") from None


@app.command("init")
def init(
    directory: Path = DIR,
    name: str = typer.Option(..., "--name", help="The witness's name, e.g. la.example/witness."),
    as_json: bool = JSON,
) -> None:
    """Make the witness's key (0600) and store; prints where its public key is."""
    with guarded(as_json):
        try:
            public = init_witness(directory, name)
        except ValueError as e:
            raise InvalidValue("name", str(e)) from None
    emit({"public_key": str(public), "name": name}, as_json, lambda: print(public))


@app.command("add-log")
def add_log(
    directory: Path = DIR,
    origin: str = typer.Option(..., "--origin", help="The school's log name (`audit checkpoint`)."),
    key: Path = typer.Option(..., "--key", help="The school's audit public key (PEM)."),
    as_json: bool = JSON,
) -> None:
    """Witness a school's log: its name and its audit public key."""
    with guarded(as_json):
        try:
            pem = key.read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidValue("key", f"{key}: cannot be read ({type(e).__name__})") from None
        try:
            _witness(directory).add_log(origin, pem)
        except ValueError as e:
            raise InvalidValue("key", f"{key}: {e}") from None
    emit({"origin": origin}, as_json, lambda: print(f"witnessing {origin}"))


@app.command("set-aside")
def set_aside(
    directory: Path = DIR,
    origin: str = typer.Option(..., "--origin", help="The school's log name."),
    as_json: bool = JSON,
) -> None:
    """After a school's confirmed restore from a backup: keep the checkpoint held for its log
    as evidence and witness the log afresh from its next checkpoint."""
    with guarded(as_json):
        witness = _witness(directory)
        held = witness.store.set_aside(origin, utc_now())
    size = None if held is None else held.size
    emit(
        {"origin": origin, "set_aside_size": size},
        as_json,
        lambda: print(
            f"{origin}: " + ("nothing held" if held is None else f"size {size} set aside")
        ),
    )


@app.command("serve")
def serve(
    directory: Path = DIR,
    cert: Path = typer.Option(..., "--cert", help="PEM with the TLS private key and chain."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8443, "--port", min=0, max=65535),
) -> None:
    """Serve add-checkpoint (and the tombstones) over HTTPS until stopped."""
    with guarded(False):
        witness = _witness(directory)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            tls.load_cert_chain(cert)
        except (OSError, ssl.SSLError) as e:
            raise InvalidValue("cert", f"{cert}: not a key and chain PEM ({e})") from None
        server = WitnessServer((host, port), witness, tls)
    print(f"witness {witness.name} serving on {server.url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command("checkpoint")
def checkpoint(
    url: str = typer.Argument(..., help="The witness's HTTPS base URL."),
    as_json: bool = JSON,
) -> None:
    """The last checkpoint the witness cosigned for this school's log (save it for
    `audit verify --witness FILE`)."""
    with guarded(as_json):
        try:
            text = fetch_witnessed_checkpoint(state.settings(), url.rstrip("/"))
        except WitnessUnreachable as e:
            fail(EXIT_REFUSED, str(e), as_json)
    emit({"checkpoint": text}, as_json, lambda: print(text, end=""))


@app.command("tombstones")
def tombstones(
    url: str = typer.Argument(..., help="The witness's HTTPS base URL."),
    as_json: bool = JSON,
) -> None:
    """The erased children's ids the witness holds for this school's log."""
    with guarded(as_json):
        try:
            ids = sorted(fetch_tombstones(state.settings(), url.rstrip("/")))
        except WitnessUnreachable as e:
            fail(EXIT_REFUSED, str(e), as_json)
    emit(
        {"tombstones": [i.hex for i in ids]},
        as_json,
        lambda: console.print("\n".join(i.hex for i in ids) or "(none)", highlight=False),
    )
