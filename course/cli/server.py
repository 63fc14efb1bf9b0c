"""Run the app under gunicorn from Python, so `course serve` needs no separate config."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than the installed gunicorn are skipped
                self.cfg.set(key, value)

    def load(self) -> Flask:
        from course.web.app import create_app

        return create_app()


def run_gunicorn(host: str, port: int, workers: int) -> None:
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 30,
            "graceful_timeout": 10,
            # gunicorn 25+ opens a control socket at one fixed path per user
            # (~/.gunicorn/gunicorn.ctl): two sites run by one user would take each other's.
            # Nothing here uses it.
            "control_socket_disable": True,
        }
    ).run()
