"""Accounts: sign up, log in and out, change password, delete the account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from course.errors import Conflict, InvalidInput
from course.services import accounts
from course.services.accounts import MAX_PASSWORD, SessionUser
from course.services.sessions import Login
from course.web.db import get_session
from course.web.extensions import clock, login_manager, session_policy

bp = Blueprint("auth", __name__)
TOO_LONG = f"Password is too long: at most {MAX_PASSWORD} characters."


class WebUser(UserMixin):  # type: ignore[misc]
    """flask-login's view of a :class:`SessionUser`; its id carries the session token."""

    def __init__(self, user: SessionUser) -> None:
        self.user = user

    def get_id(self) -> str:
        return self.user.token

    @property
    def id(self) -> int:
        return self.user.id


@login_manager.user_loader  # type: ignore[untyped-decorator]
def _load(token: str) -> WebUser | None:
    user = accounts.load_session_user(get_session(), clock(), token, session_policy())
    return WebUser(user) if user else None


def pending_login() -> Login | None:
    """This request's login, for a use case that checks it in its own transaction.

    None when flask-login must load the user the usual way: the user is loaded already,
    or the session cookie names no login (a remember cookie only, or nobody). Session
    protection runs as flask-login would run it (in "basic" mode it only marks the
    session as not fresh).
    """
    if "_login_user" in g:
        return None
    token = session.get("_user_id")
    if not isinstance(token, str) or login_manager._session_protection_failed():
        return None
    return Login(token, session_policy())


class _Checked(Protocol):
    """What a use case that checks the login in its own read returns."""

    @property
    def user(self) -> SessionUser | None: ...

    @property
    def logged_out(self) -> bool: ...


_T = TypeVar("_T", bound=_Checked)


def as_logged_in(submit: Callable[..., _T]) -> _T | None:
    """Run ``submit(caller=...)``, a use case that checks this request's login in its own
    read; when the session holds no valid login, flask-login's own way (a remember cookie)
    and the use case again as that user. None: nobody is logged in."""
    login = pending_login()
    outcome = submit(caller=login) if login is not None else None
    if outcome is not None and outcome.user is not None:
        logged_in_as(outcome.user)
    elif outcome is None or outcome.logged_out:
        if not current_user.is_authenticated:
            return None
        outcome = submit(caller=current_user.id)
    return outcome


def logged_in_as(user: SessionUser) -> None:
    """Make ``user``, checked by a use case, this request's ``current_user``."""
    login_manager._update_request_context_with_user(WebUser(user))


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    remember = BooleanField("Keep me logged in on this device")


class SignupForm(FlaskForm):  # type: ignore[misc]
    display_name = StringField("Your name", validators=[Length(max=80)])
    timezone = HiddenField(default="UTC", validators=[Length(max=64)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password (at least 10 characters; a few unrelated words work well)",
        validators=[DataRequired(), Length(max=MAX_PASSWORD, message=TOO_LONG)],
    )


class PasswordForm(FlaskForm):  # type: ignore[misc]
    current = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )
    new = PasswordField(
        "New password", validators=[DataRequired(), Length(max=MAX_PASSWORD, message=TOO_LONG)]
    )
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new", "The passwords differ.")]
    )


class EmailForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("New email", validators=[DataRequired(), Length(max=254)])
    current = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD)]
    )


class TimezoneForm(FlaskForm):  # type: ignore[misc]
    timezone = StringField(
        "Time zone (your review day starts at 04:00 there)",
        validators=[DataRequired(), Length(max=64)],
    )


class DeleteForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    confirm = BooleanField(
        "I understand that my progress will be deleted for good", validators=[DataRequired()]
    )


def safe_next(target: str | None) -> str | None:
    """Only local paths: no scheme, no host, no backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _login(user: SessionUser, remember: bool = False) -> None:
    session.clear()  # a new session at login (no fixation)
    login_user(WebUser(user), remember=remember)


def _logout() -> None:
    """End this login on the server, then drop the session and the remember cookie.

    ``session.clear()`` comes first: flask-login's ``logout_user`` marks the remember
    cookie for deletion in the session, and clearing afterwards would undo that.
    """
    if current_user.is_authenticated:
        accounts.logout(get_session(), current_user.get_id())
    session.clear()
    logout_user()


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(
            get_session(),
            clock(),
            form.email.data,
            form.password.data,
            request.remote_addr or "",
            bool(form.remember.data),
        )
        if user is not None:
            _login(user, user.remember)
            return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
        flash("Email or password is not right.", "error")
        return render_template("login.html", form=form), 401
    return render_template("login.html", form=form), 400 if form.errors else 200


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                get_session(),
                clock(),
                form.email.data,
                form.password.data,
                form.display_name.data or "",
                request.remote_addr or "",
                form.timezone.data or "UTC",
            )
        except (InvalidInput, Conflict) as exc:
            targets = {"password": form.password, "display_name": form.display_name}
            target = targets.get(exc.field or "", form.email)
            target.errors.append(exc.message)
            return render_template("signup.html", form=form), exc.status
        _login(user)
        flash("Welcome! Your account is ready.", "info")
        return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
    return render_template("signup.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    _logout()
    flash("You are logged out.", "info")
    response = redirect(url_for("learn.home"))
    # What the browser keeps for this site (unsent answers in static/answer-keep.js)
    # goes with the login: the next person at the computer starts clean.
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


def _account_page(status: int = 200, **forms: FlaskForm) -> ResponseReturnValue:
    """The account page with its four forms (a failed one passed in keeps its errors)."""
    defaults: dict[str, FlaskForm] = {
        "form": PasswordForm(prefix="pw", formdata=None),
        "email_form": EmailForm(prefix="em", formdata=None),
        "tz_form": TimezoneForm(
            prefix="tz",
            formdata=None,
            timezone=accounts.get_timezone(get_session(), current_user.id),
        ),
        "delete_form": DeleteForm(prefix="del", formdata=None),
    }
    return render_template("account.html", **{**defaults, **forms}), status


@bp.route("/account", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]
def account() -> ResponseReturnValue:
    if request.method == "GET":
        return _account_page()
    form = PasswordForm(prefix="pw")
    if not form.validate_on_submit():
        return _account_page(400, form=form)
    remember = current_user.user.remember
    try:
        user = accounts.change_password(
            get_session(), clock(), current_user.id, form.current.data, form.new.data, remember
        )
    except InvalidInput as exc:
        target = form.current if exc.field == "current" else form.new
        target.errors.append(exc.message)
        return _account_page(400, form=form)
    _login(user, remember)
    flash("Password changed. Other devices have been logged out.", "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/email")
@login_required  # type: ignore[untyped-decorator]
def email() -> ResponseReturnValue:
    form = EmailForm(prefix="em")
    if not form.validate_on_submit():
        return _account_page(400, email_form=form)
    try:
        address = accounts.change_email(
            get_session(), clock(), current_user.id, form.current.data, form.email.data
        )
    except (InvalidInput, Conflict) as exc:  # a wrong password; an address already taken
        target = form.current if exc.field == "current" else form.email
        target.errors.append(exc.message)
        return _account_page(exc.status, email_form=form)
    flash(f"Your email is now {address}; log in with it from now on.", "info")
    return redirect(url_for("auth.account"))


@bp.post("/account/timezone")
@login_required  # type: ignore[untyped-decorator]
def timezone() -> ResponseReturnValue:
    form = TimezoneForm(prefix="tz")
    if form.validate_on_submit():
        try:
            accounts.set_timezone(get_session(), current_user.id, form.timezone.data.strip())
        except InvalidInput as exc:
            form.timezone.errors.append(exc.message)
        else:
            flash("Time zone saved.", "info")
            return redirect(url_for("auth.account"))
    return _account_page(400, tz_form=form)


@bp.post("/account/delete")
@login_required  # type: ignore[untyped-decorator]
def delete_account() -> ResponseReturnValue:
    form = DeleteForm(prefix="del")
    if not form.validate_on_submit():
        flash("Tick the box and enter your password to delete your account.", "error")
        return _account_page(400, delete_form=form)
    try:
        accounts.delete_account(get_session(), clock(), current_user.id, form.password.data)
    except InvalidInput as exc:
        form.password.errors.append(exc.message)
        return _account_page(400, delete_form=form)
    session.clear()
    logout_user()
    flash("Your account and its data are deleted.", "info")
    return redirect(url_for("learn.home"))
