"""Flask extensions: CSRF protection on every form, and login sessions."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.session_protection = "basic"


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
