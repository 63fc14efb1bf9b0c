"""Accounts: sign up, log in and out, change password, delete the account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from course.errors import InvalidInput
from course.services import accounts
from course.services.accounts import SessionUser
from course.web.db import get_session
from course.web.extensions import clock, login_manager

bp = Blueprint("auth", __name__)
TOO_LONG = "Password is too long: at most 256 characters."


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
    user = accounts.load_session_user(get_session(), token)
    return WebUser(user) if user else None


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    remember = BooleanField("Keep me logged in on this device")


class SignupForm(FlaskForm):  # type: ignore[misc]
    display_name = StringField("Your name", validators=[Length(max=80)])
    timezone = HiddenField(default="UTC", validators=[Length(max=64)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password (at least 10 characters)",
        validators=[DataRequired(), Length(max=256, message=TOO_LONG)],
    )


class PasswordForm(FlaskForm):  # type: ignore[misc]
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=256)])
    new = PasswordField(
        "New password", validators=[DataRequired(), Length(max=256, message=TOO_LONG)]
    )
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new", "The passwords differ.")]
    )


class TimezoneForm(FlaskForm):  # type: ignore[misc]
    timezone = StringField(
        "Time zone (your review day starts at 04:00 there)",
        validators=[DataRequired(), Length(max=64)],
    )


class DeleteForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
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


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(
            get_session(), clock(), form.email.data, form.password.data, request.remote_addr or ""
        )
        if user is not None:
            _login(user, form.remember.data)
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
        except InvalidInput as exc:
            target = form.password if "assword" in exc.message else form.email
            target.errors.append(exc.message)
            return render_template("signup.html", form=form), 400
        _login(user)
        flash("Welcome! Your account is ready.", "info")
        return redirect(safe_next(request.args.get("next")) or url_for("learn.home"))
    return render_template("signup.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("learn.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]
def account() -> ResponseReturnValue:
    form = PasswordForm(prefix="pw")
    delete_form = DeleteForm(prefix="del")
    tz_form = TimezoneForm(
        prefix="tz", timezone=accounts.get_timezone(get_session(), current_user.id)
    )
    if request.method == "POST" and form.validate_on_submit():
        try:
            user = accounts.change_password(
                get_session(), current_user.id, form.current.data, form.new.data
            )
        except InvalidInput as exc:
            form.new.errors.append(exc.message)
            return render_template(
                "account.html", form=form, delete_form=delete_form, tz_form=tz_form
            ), 400
        _login(user)
        flash("Password changed. Other devices have been logged out.", "info")
        return redirect(url_for("auth.account"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "account.html", form=form, delete_form=delete_form, tz_form=tz_form
    ), status


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
    return render_template(
        "account.html",
        form=PasswordForm(prefix="pw"),
        delete_form=DeleteForm(prefix="del"),
        tz_form=form,
    ), 400


@bp.post("/account/delete")
@login_required  # type: ignore[untyped-decorator]
def delete_account() -> ResponseReturnValue:
    form = DeleteForm(prefix="del")
    if not form.validate_on_submit():
        flash("Tick the box and enter your password to delete your account.", "error")
        return render_template(
            "account.html", form=PasswordForm(prefix="pw"), delete_form=form, tz_form=_tz_form()
        ), 400
    try:
        accounts.delete_account(get_session(), current_user.id, form.password.data)
    except InvalidInput as exc:
        form.password.errors.append(exc.message)
        return render_template(
            "account.html", form=PasswordForm(prefix="pw"), delete_form=form, tz_form=_tz_form()
        ), 400
    logout_user()
    session.clear()
    flash("Your account and its data are deleted.", "info")
    return redirect(url_for("learn.home"))


def _tz_form() -> TimezoneForm:
    return TimezoneForm(prefix="tz", timezone=accounts.get_timezone(get_session(), current_user.id))
