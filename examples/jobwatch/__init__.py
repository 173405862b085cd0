"""jobwatch: the small service a team runs to follow the jobs it starts at its vendors.

Telmai, Tamr, Tensorlake and GoFetch call jobwatch back as their jobs move on;
jobwatch verifies, validates and stores the latest state of every job, and
tells its own subscriber (one URL) whenever a job's state changes, in its own
signed ``JobUpdate`` format. The same service runs behind Flask (WSGI,
:mod:`jobwatch.flask_app`) and FastAPI (ASGI, :mod:`jobwatch.fastapi_app`).
"""
