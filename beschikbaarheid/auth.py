"""Who is logged in and what they may do: login/logout, password reset by e-mail, the user loader and role checks."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from beschikbaarheid import accounts, mail
from beschikbaarheid.extensions import db, limiter
from beschikbaarheid.models import User

bp = Blueprint("auth", __name__, url_prefix="/account")

# Where each role lands after logging in.
ROLE_HOME = {
    "verwijzer": "search.index",
    "aanbieder": "aanbieder.home",
    "contractmanager": "contract.index",
    "beheerder": "beheer.index",
}


def init_login(login_manager) -> None:
    """Wire Flask-Login to the User table with Dutch messages."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in om deze pagina te zien.")
    login_manager.localize_callback = str  # the lazy text, in the request's language, as the flash stores it
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        if g.get("database_down"):  # rendering the 503 page (web.database_unavailable): stay anonymous
            return None
        try:
            user = db.session.get(User, int(user_id))
        except (TypeError, ValueError):
            return None
        return user if user and user.active else None


def roles_required(*roles: str):
    """Allow only logged-in users with one of `roles`; others get 403 (anonymous: to login)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def role_home_url(user) -> str:
    """The landing page for a user's role."""
    endpoint = ROLE_HOME.get(user.role, "web.index")
    try:
        return url_for(endpoint)
    except Exception:  # a blueprint without its index yet
        return url_for("web.index")


def _safe_next(target: str | None) -> str | None:
    """Only follow same-site relative redirects after login (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _strip(value):
    """Pasted addresses often carry spaces; they are not part of the address."""
    return value.strip() if isinstance(value, str) else value


# A hash to check against when the e-mail is unknown, so both failures take equally long
# (otherwise the response time tells which addresses have an account).
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), filters=[_strip], validators=[DataRequired(_l("Vul uw e-mailadres in.")), Email(_l("Dit is geen geldig e-mailadres.")), Length(max=254)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=200)])
    remember = BooleanField(_l("Ingelogd blijven"))


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message=lambda: _("Te veel inlogpogingen. Probeer het over een minuut opnieuw."))
def login():
    """Log in with e-mail and password; the same message for unknown e-mail and wrong password."""
    if current_user.is_authenticated:
        return redirect(role_home_url(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).where(db.func.lower(User.email) == form.email.data.strip().lower()))
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        elif user.active and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or role_home_url(user))
        flash(_("E-mailadres of wachtwoord klopt niet."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/uitloggen", methods=["POST"])
@login_required
def logout():
    """Log out (POST with CSRF token, so a link on another site cannot log you out)."""
    logout_user()
    session.pop("link_grant", None)  # a reminder-link session ends with the login session
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("web.index"))


# --- Password reset by e-mail ---


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), filters=[_strip], validators=[DataRequired(_l("Vul uw e-mailadres in.")), Email(_l("Dit is geen geldig e-mailadres.")), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[
            DataRequired(_l("Vul een nieuw wachtwoord in.")),
            Length(min=accounts.MIN_PASSWORD_LENGTH, max=accounts.MAX_PASSWORD_LENGTH,
                   message=_l("Het wachtwoord moet minstens %(n)d tekens lang zijn.", n=accounts.MIN_PASSWORD_LENGTH)),
        ],
    )
    password_repeat = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[DataRequired(_l("Herhaal het nieuwe wachtwoord.")), EqualTo("password", _l("De wachtwoorden zijn niet gelijk."))],
    )


def _send_reset_mail(user: User) -> None:
    """Mail a reset link; the link uses PUBLIC_BASE_URL, never the request's Host header."""
    from beschikbaarheid.signed_links import external_url

    link = external_url("auth.reset_password", token=accounts.make_reset_token(user))
    minutes = int(current_app.config.get("PASSWORD_RESET_MAX_AGE", accounts.DEFAULT_RESET_MAX_AGE)) // 60
    context = {"user": user, "link": link, "minutes": minutes}
    mail.send(mail.Mail(
        to=user.email,
        subject=_("Wachtwoord opnieuw instellen — Beschikbaarheidswijzer"),
        text=render_template("auth/reset_mail.txt", **context),
        html=render_template("auth/reset_mail.html", **context),
        headers={"Auto-Submitted": "auto-generated"},
    ))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message=lambda: _("Te veel verzoeken. Probeer het over een minuut opnieuw."))
def reset_request():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = accounts.find_user_by_email(form.email.data)
        if user and user.active:
            try:
                _send_reset_mail(user)
            except mail.MailError:
                # Logged for the operator; the visitor sees the same answer (no account enumeration).
                current_app.logger.exception("Password reset mail to user %s failed", user.id)
        return render_template("auth/reset_sent.html")
    return render_template("auth/reset_request.html", form=form), (400 if request.method == "POST" else 200)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password through the e-mailed link; the link dies once the password changes."""
    try:
        user = accounts.load_reset_token(token)
    except accounts.ResetTokenError as exc:
        status = 410 if exc.reason in ("expired", "used") else 400
        return render_template("auth/reset_invalid.html", reason=exc.reason), status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.change_password(user, form.password.data)
        db.session.commit()
        logout_user()
        flash(_("Uw wachtwoord is gewijzigd. Log in met uw nieuwe wachtwoord."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user), (400 if request.method == "POST" else 200)
