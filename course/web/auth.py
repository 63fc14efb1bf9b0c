"""Log in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from course.services.accounts import SessionUser, authenticate, load_session_user
from course.web.db import get_session
from course.web.extensions import login_manager

bp = Blueprint("auth", __name__)


class WebUser(UserMixin):  # type: ignore[misc]
    """flask-login's view of a :class:`SessionUser`; its id carries the session token."""

    def __init__(self, user: SessionUser) -> None:
        self.user = user

    def get_id(self) -> str:
        return self.user.token


@login_manager.user_loader  # type: ignore[untyped-decorator]
def _load(token: str) -> WebUser | None:
    user = load_session_user(get_session(), token)
    return WebUser(user) if user else None


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me logged in on this device")


def safe_next(target: str | None) -> str | None:
    """Only local paths: no scheme, no host, no backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(get_session(), form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a new session at login (no fixation)
            login_user(WebUser(user), remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
        flash("Email or password is not right.", "error")
        return render_template("login.html", form=form), 401
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("learn.home"))
