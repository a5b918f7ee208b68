"""gunicorn's settings for preloading, an opt-in (docs/deploy.md, Preloading):
`gunicorn -c python:annotator.gunicorn_preload annotator.wsgi ...`; the command line adds to
them. Not named gunicorn.conf.py: gunicorn would read that from its working directory unasked.

The app is loaded once, in the master, and the workers are forked from it: each no longer
imports it at start (3 workers did that side by side, about 1 s of CPU each), so the first
answer comes sooner, a recycled worker (--max-requests) starts at once, and the pages of the
loaded code are shared. The trade: `kill -HUP` (systemctl reload) forks new workers from the
code the master loaded, so a new release needs `systemctl restart annotator-web`.
"""

import gc

preload_app = True


def when_ready(server):
    """In the master, once the app is loaded and before the first fork: also the URL map with
    the API's schemas (a worker's first request would import it), then freeze what was
    loaded, so that collections in the workers neither scan nor copy those shared pages."""
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 (imports annotator.urls and the API, indexes it)
    # Loading connects to nothing (the embedded database starts on a worker's first query);
    # should that change, no worker may share the master's socket.
    connections.close_all()
    gc.freeze()
