"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import gc

from crm import create_app

app = create_app()

# The app's own objects (routes, templates, SQLAlchemy mappers) live as long as the process:
# move them out of the collector's sight, and collect less often, so a request that builds
# a few thousand ORM rows does not pay for full sweeps of them (bench/RESULTS.md).
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 50, 100)
