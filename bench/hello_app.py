"""The baseline of the wrk benchmarks: a bare Flask "hello", not the project's app.

It is served exactly as ``course serve`` serves the app: the same function
(:func:`course.cli.server.run_gunicorn`), hence the same gunicorn settings (sync workers,
access log to stdout, timeouts), with the given number of workers. Only the WSGI app
differs: one view returning a short text, and ``/livez`` so the test servers' readiness
check works unchanged.

Run: ``.venv/bin/python bench/hello_app.py serve --port 8000 --workers 2`` (the same
command line as ``course serve``, so :func:`tests.servers.serve` starts it).
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from unittest import mock

from flask import Flask

# course/cli/server.py is loaded from its file, not imported as course.cli.server: that
# would run course/cli/__init__.py and load the whole project into the baseline's workers.
# The file itself imports only gunicorn (the project's app is imported in `load`).
_SERVER = Path(__file__).resolve().parent.parent / "course" / "cli" / "server.py"
_spec = importlib.util.spec_from_file_location("course_server_for_hello", _SERVER)
assert _spec is not None and _spec.loader is not None
server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(server)

app = Flask(__name__)


@app.get("/")
def hello() -> tuple[str, int, dict[str, str]]:
    return "Hello, World!", 200, {"Content-Type": "text/plain"}


@app.get("/livez")
def livez() -> tuple[str, int, dict[str, str]]:
    return "ok", 200, {"Content-Type": "text/plain"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # run_gunicorn builds the options `course serve` uses and loads the project's app;
    # only the loading is swapped, so a change to those options reaches the baseline too.
    with mock.patch.object(server._Gunicorn, "load", lambda _self: app):
        server.run_gunicorn(args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
