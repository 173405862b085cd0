"""jobwatch on Flask (WSGI): one route per vendor, all handled by :class:`~jobwatch.service.WebhookService`.

Run it with ``flask --app 'jobwatch.flask_app:create_app(secret="whsec_...")' run``.
"""

from __future__ import annotations

from flask import Flask, request

from .notify import Notifier
from .service import JSON_VENDORS, WebhookService
from .store import JobStore


def create_app(*, secret: str, store: JobStore | None = None, notifier: Notifier | None = None) -> Flask:
    """The Flask app: ``POST /webhooks/<vendor>`` for JSON vendors, ``GET``/``POST /webhooks/gofetch``.

    ``secret`` is the ``whsec_...`` signing secret Tensorlake shows for the
    webhook; ``store`` keeps the jobs (a fresh one if not given); ``notifier``
    tells the subscriber about state changes (none if not given).
    """
    service = WebhookService(secret=secret, store=store if store is not None else JobStore(), notifier=notifier)
    app = Flask("jobwatch")
    app.extensions["jobwatch"] = service

    def route(vendor: str) -> None:
        def receive() -> tuple[dict[str, object], int]:
            answer = service.receive(
                vendor, request.get_data(), dict(request.headers), request.args.to_dict(flat=False)
            )
            return answer.body, answer.status

        methods = ["GET", "POST"] if vendor == "gofetch" else ["POST"]
        app.add_url_rule(f"/webhooks/{vendor}", f"webhook_{vendor}", receive, methods=methods)

    for vendor in (*JSON_VENDORS, "gofetch"):
        route(vendor)
    return app
