"""In-process delivery to a Flask app: ``deliver(p, app)`` against Flask's own test client and a direct WSGI call.

Measured in the same process, interleaved over the rounds, unsigned (Telmai)
and Svix-signed (Tensorlake; the peer signs with ``standardwebhooks``'s
``Webhook.sign`` as a test would, or with our ``sign`` when it is missing):

- ``ours``: ``deliver(payload, app)``;
- ``peer``: ``app.test_client().post(path, data=body, headers=...)``;
- ``floor``: the app called directly with a prepared environ (no client at all).

Goals (#15): ours >= 1.0x the peer's speed (peer / ours >= 1), signed or not;
moonshot: ours <= 2x the direct call. Usage::

    python bench/bench_inprocess.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _rounds import interleave, load, per_call, ratio, spread

TELMAI = {"tenant": "acme", "source": "src-1", "jobId": "job-7", "status": "SUCCESS", "details": "done"}


def flask_app() -> Any:
    from flask import Flask, request

    app = Flask("receiver")

    @app.post("/hook")
    def hook() -> tuple[str, int]:
        request.get_data()
        return "ok", 200

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls per round (a smoke run)")
    args = parser.parse_args()
    count, rounds = (100, 5) if args.quick else (1000, 7)

    from pytest_jobhooks import build, deliver
    from pytest_jobhooks.signing import new_secret, sign

    app = flask_app()
    client = app.test_client()
    secret = new_secret()
    tensorlake = build("tensorlake", seed=1)
    body = json.dumps(TELMAI, separators=(",", ":")).encode()
    signed_body = json.dumps(tensorlake, separators=(",", ":")).encode()
    content = {"Content-Type": "application/json"}

    def direct() -> None:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/hook", "QUERY_STRING": "", "SERVER_NAME": "testserver",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "SCRIPT_NAME": "",
            "wsgi.input": io.BytesIO(body), "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
        }  # fmt: skip
        b"".join(app(environ, lambda status, headers, exc_info=None: None))

    def peer_signed() -> None:
        headers = dict(sign(secret, signed_body).items())  # as a test signs before posting
        client.post("/hook", data=signed_body, headers={**content, **headers})

    measures = {
        "ours": per_call(lambda: deliver(TELMAI, app, path="/hook", vendor="telmai"), count),
        "peer": per_call(lambda: client.post("/hook", data=body, headers=content), count),
        "floor": per_call(direct, count),
        "ours-signed": per_call(lambda: deliver(tensorlake, app, path="/hook", secret=secret), count),
        "peer-signed": per_call(peer_signed, count),
    }
    for measure in measures.values():  # warm up: imports, first calls
        measure()
    results = interleave(measures, rounds)
    print(f"# in-process delivery to Flask, {count} calls x {rounds} interleaved rounds; {load()}")
    print("| what | ms per call, median (min-max) |")
    print("|---|---|")
    for name, values in results.items():
        print(f"| {name} | {spread(values, 1e3)} |")
    print()
    print(f"peer / ours (unsigned): {ratio(results, 'peer', 'ours')} (goal >= 1.0x)")
    print(f"peer / ours (signed): {ratio(results, 'peer-signed', 'ours-signed')} (goal >= 1.0x)")
    print(f"ours / direct WSGI call: {ratio(results, 'ours', 'floor')} (moonshot <= 2x)")


if __name__ == "__main__":
    main()
