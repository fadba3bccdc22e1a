"""Who is logged in and what they may do: login/logout, password reset by e-mail, the user loader and role checks."""
from __future__ import annotations

import datetime as dt
import functools
import time
import unicodedata
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, after_this_request, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale, format_datetime, format_timedelta, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_fresh, login_required, login_user, logout_user, user_loaded_from_cookie
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField, ValidationError
from wtforms.validators import DataRequired, Email, EqualTo, Length

from beschikbaarheid import accounts, mail
from beschikbaarheid.domain import passwords, sessions
from beschikbaarheid.extensions import db, limiter
from beschikbaarheid.models import EndedLogin, User, utcnow
from beschikbaarheid.services import login_throttle

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
    def load_user(identity: str):
        """The user of a login ticket (session or remember-me cookie) that is still valid, else None."""
        if g.get("database_down"):  # rendering the 503 page (web.database_unavailable): stay anonymous
            return None
        ticket = sessions.parse(identity)
        if ticket is None or not sessions.is_alive(ticket, epoch_now(), session_limits()):
            return None
        user = db.session.get(User, ticket.user_id)
        if user is None or not user.active or user.session_generation != ticket.generation:
            return None  # logged out everywhere, new password, other role/provider/region, or deactivated
        if db.session.get(EndedLogin, (ticket.user_id, ticket.login_id)) is not None:
            return None  # logged out in the browser this login began in; this is a copy of its cookies
        user.login_at, user.seen_at, user.login_id = ticket.login_at, ticket.seen_at, ticket.login_id
        return user


def epoch_now() -> int:
    """The clock the login limits are measured with (whole seconds since the epoch)."""
    return int(time.time())


def session_limits() -> sessions.Limits:
    """SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS as the rule wants them."""
    return sessions.Limits(idle_seconds=int(current_app.config["SESSION_IDLE_MINUTES"]) * 60,
                           absolute_seconds=int(current_app.config["SESSION_ABSOLUTE_HOURS"]) * 3600)


def init_app(app) -> None:
    """Keep logins' last use current, notice logins that ended, warn about per-worker rate limits."""

    @app.before_request
    def keep_login_alive():
        if request.endpoint == "static":
            return
        if not session.get("signed_in") and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies:
            return  # nobody logged in in this browser: nothing to check (and the session stays untouched)
        if not current_user.is_authenticated:
            if session.get("signed_in"):  # this browser was logged in: the login expired or was revoked
                _end_local_session()
                flash(_("U bent uitgelogd omdat u een tijd niets hebt gedaan of omdat uw sessie is beëindigd. Log opnieuw in."), "info")
            else:  # only a remember-me cookie that no longer counts: have the browser drop it
                logout_user()
            return
        now = epoch_now()
        user = db.session.get(User, current_user.id)  # the loaded object itself (identity map, no query)
        if sessions.needs_refresh(sessions.parse(user.get_id()), now):
            # Write the new last-use time into the ticket: login_user puts user.get_id() in the session
            # and, for a remembered login, in a fresh remember-me cookie too.
            user.seen_at = now
            login_user(user, remember=bool(session.get("remember")), fresh=login_fresh())

    @user_loaded_from_cookie.connect_via(app)
    def restored_from_cookie(sender, user):  # noqa: ARG001
        session["signed_in"] = True
        session["remember"] = True

    if app.config.get("ENV_NAME") == "production" and str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        app.logger.warning(
            "RATELIMIT_STORAGE_URI is memory:// in production: every gunicorn worker counts login attempts "
            "on its own, so the per-address login limit is multiplied by the number of workers. "
            "Set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (see deploy/beschikbaarheid.env.example)."
        )


def start_login(user: User, remember: bool) -> None:
    """Log `user` in on a new session: whatever the session held before (its CSRF token too) is dropped.
    The login time is kept for the administrator's user list (committed by the request's caller)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    now = epoch_now()
    user.login_at = user.seen_at = now
    user.login_id = sessions.new_login_id()
    user.last_login_at = utcnow()
    login_user(user, remember=remember)
    session["signed_in"] = True
    session["remember"] = bool(remember)


def _end_local_session() -> None:
    """Log this browser out: the session is emptied (but for the language) and the remember-me cookie removed."""
    lang = session.get("lang")
    session.clear()
    logout_user()  # after clear(): it marks the remember-me cookie for removal in the session
    if lang:
        session["lang"] = lang


def after_response(work, *args) -> None:
    """Run `work(*args)` once the response has been sent (werkzeug's Response.call_on_close), in an app
    context and the request's language. Every caller takes the same path through the request, so the
    response time tells nothing about what `work` finds or does (no account enumeration by timing)."""
    context = current_app.app_context()  # a new context of this app, entered once the response is out
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])

    def run():
        with context, force_locale(locale):
            try:
                work(*args)
            except Exception:  # logged for the operator; the visitor already has the answer
                context.app.logger.exception("Work after the response failed: %s", getattr(work, "__name__", work))

    @after_this_request
    def schedule(response):
        response.call_on_close(run)
        return response


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


_NOT_IN_A_PLAIN_PATH = {"Zl", "Zp"}  # line and paragraph separators; "C*" (control, format, ...) too


def _safe_next(target: str | None) -> str | None:
    """`next` after login only when it is a plain path on this site: no other host (`//`, `/\\`),
    no scheme, and no control characters or line breaks (they cannot go into a Location header)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    if any(unicodedata.category(ch) in _NOT_IN_A_PLAIN_PATH or unicodedata.category(ch).startswith("C") for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _strip(value):
    """Pasted addresses often carry spaces; they are not part of the address."""
    return value.strip() if isinstance(value, str) else value


# A hash to check against when the e-mail is unknown, so both failures take equally long
# (otherwise the response time tells which addresses have an account).
@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash made like real ones, checked for unknown addresses so they take as long as known ones."""
    return generate_password_hash("not-a-real-password", method=method)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), filters=[_strip], validators=[DataRequired(_l("Vul uw e-mailadres in.")), Email(_l("Dit is geen geldig e-mailadres.")), Length(max=254)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=accounts.MAX_PASSWORD_LENGTH)])
    remember = BooleanField(_l("Ingelogd blijven"))


def _login_limit() -> str:
    from flask import current_app

    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message=lambda: _("Te veel inlogpogingen. Probeer het over een minuut opnieuw."))
def login():
    """Log in with e-mail and password; the same message for unknown e-mail and wrong password.

    Failures are counted per typed address as well as per client address (`login_throttle`):
    after a few the address must wait longer each time, then it is locked and the user gets a mail.
    """
    if current_user.is_authenticated:
        return redirect(role_home_url(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        now = utcnow()
        wait = login_throttle.seconds_to_wait(email, now, lock=True)
        if wait:
            db.session.rollback()
            flash(_("Te veel mislukte inlogpogingen met dit e-mailadres. Probeer het over %(wait)s opnieuw.",
                    wait=format_timedelta(dt.timedelta(seconds=wait), threshold=1.0)), "error")
            return render_template("auth/login.html", form=form), 429
        # The attempt counts as a failure before the password is checked, and is committed at once:
        # a guess running in parallel for the same address waits for the lock and then sees it.
        failures = login_throttle.record_failure(email, now)
        db.session.commit()
        user = db.session.scalar(db.select(User).where(db.func.lower(User.email) == email))
        if user is None:
            check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), form.password.data)
        elif user.active and user.check_password(form.password.data):
            login_throttle.forget(email)
            start_login(user, remember=form.remember.data)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or role_home_url(user))
        if login_throttle.is_lock_start(failures):
            after_response(_send_lock_mail, email)
        flash(_("E-mailadres of wachtwoord klopt niet."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def _send_lock_mail(email: str) -> None:
    """Tell the account holder (if there is one) that their address is locked for a while."""
    from beschikbaarheid.signed_links import external_url

    user = accounts.find_user_by_email(email)
    if user is None or not user.active:
        return
    policy = login_throttle.policy()
    context = {"failures": policy.lock_after, "minutes": policy.lock_seconds // 60, "reset_link": external_url("auth.reset_request")}
    _mail_user(user, _("Inloggen tijdelijk geblokkeerd — Beschikbaarheidswijzer"), "auth/lock_mail", html=False, **context)


def _mail_user(user: User, subject: str, template: str, *, html: bool = True, **context) -> None:
    """An account mail from `template`.txt (and .html), marked as sent automatically."""
    mail.send(mail.Mail(
        to=user.email,
        subject=subject,
        text=render_template(f"{template}.txt", user=user, **context),
        html=render_template(f"{template}.html", user=user, **context) if html else None,
        headers={"Auto-Submitted": "auto-generated"},
    ))


@bp.route("/uitloggen", methods=["POST"])
@login_required
def logout():
    """Log out in this browser (POST with CSRF token, so a link on another site cannot log you out).

    The login is recorded as ended, so a copy of its session or remember-me cookie stops working too."""
    _record_ended_login(current_user.id, current_user.login_id, current_user.login_at)
    db.session.commit()
    _end_local_session()  # the reminder-link grant ends with the login session too
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("web.index"))


def _record_ended_login(user_id: int, login_id: str, login_at: int) -> None:
    """List this login as ended (not committed); forget ended logins past the absolute lifetime."""
    oldest = epoch_now() - session_limits().absolute_seconds - sessions.CLOCK_SLACK
    db.session.execute(db.delete(EndedLogin).where(EndedLogin.login_at < oldest))
    if db.session.get(EndedLogin, (user_id, login_id)) is None:
        db.session.add(EndedLogin(user_id=user_id, login_id=login_id, login_at=login_at))


class LogoutEverywhereForm(FlaskForm):
    """Only the CSRF token."""


@bp.route("/")
@login_required
def account():
    """Who you are logged in as, "wachtwoord wijzigen" and "overal uitloggen"."""
    return render_template("auth/account.html", form=LogoutEverywhereForm(), password_form=ChangePasswordForm())


@bp.route("/wachtwoord-wijzigen", methods=["POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"], error_message=lambda: _("Te veel pogingen. Probeer het over een minuut opnieuw."))
def change_password():
    """A new password, given the current one: every other login of the user ends, this one goes on,
    and the account holder gets a mail."""
    form = ChangePasswordForm()
    user = db.session.get(User, current_user.id)
    if form.validate_on_submit():
        if user.check_password(form.current_password.data):
            remember = bool(session.get("remember"))
            accounts.change_password(user, form.password.data)  # ends every session of the user (models.core)
            db.session.commit()
            after_response(_send_password_changed_mail, user.id)
            start_login(user, remember=remember)
            db.session.commit()
            flash(_("Uw wachtwoord is gewijzigd. Op andere apparaten bent u uitgelogd."), "success")
            return redirect(url_for("auth.account"))
        form.current_password.errors.append(_("Het huidige wachtwoord klopt niet."))
    return render_template("auth/account.html", form=LogoutEverywhereForm(), password_form=form), 400


@bp.route("/overal-uitloggen", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session and remember-me cookie of this user, on every device (a lost laptop, a shared PC)."""
    form = LogoutEverywhereForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.session.get(User, current_user.id)
    accounts.end_all_sessions(user)
    db.session.commit()
    _end_local_session()
    flash(_("U bent op alle apparaten uitgelogd."), "info")
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

    def validate_password(self, field):
        if passwords.is_too_common(field.data):
            raise ValidationError(_("Dit wachtwoord is te bekend en daardoor makkelijk te raden. Kies bijvoorbeeld een zin van een paar woorden."))


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("Huidig wachtwoord"),
        validators=[DataRequired(_l("Vul uw huidige wachtwoord in.")), Length(max=accounts.MAX_PASSWORD_LENGTH)],
    )


def _send_reset_mail(email: str) -> None:
    """Mail a reset link when `email` belongs to an active account (runs after the response).

    The link uses PUBLIC_BASE_URL, never the request's Host header."""
    from beschikbaarheid.signed_links import external_url

    user = accounts.find_user_by_email(email)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=accounts.make_reset_token(user))
    minutes = int(current_app.config.get("PASSWORD_RESET_MAX_AGE", accounts.DEFAULT_RESET_MAX_AGE)) // 60
    _mail_user(user, _("Wachtwoord opnieuw instellen — Beschikbaarheidswijzer"), "auth/reset_mail", link=link, minutes=minutes)


def _send_password_changed_mail(user_id: int) -> None:
    """Tell the account holder their password changed, so a change they did not make is noticed."""
    from beschikbaarheid.signed_links import external_url

    user = db.session.get(User, user_id)
    if user is None:
        return
    _mail_user(user, _("Uw wachtwoord is gewijzigd — Beschikbaarheidswijzer"), "auth/password_changed_mail",
               when=format_datetime(utcnow(), "d MMMM yyyy HH:mm"), link=external_url("auth.reset_request"))


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message=lambda: _("Te veel verzoeken. Probeer het over een minuut opnieuw."))
def reset_request():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        # Looking the address up and mailing happen after the response, for known and unknown
        # addresses alike, so neither the answer nor its timing tells whether an account exists.
        # A failed send is logged for the operator (after_response).
        after_response(_send_reset_mail, form.email.data)
        return render_template("auth/reset_sent.html")
    return render_template("auth/reset_request.html", form=form), (400 if request.method == "POST" else 200)


def _link_user(load, token: str, invalid_template: str):
    """(user, None) for a mailed link that works, else (None, the page saying why: 410 expired or
    used, 400 invalid)."""
    try:
        return load(token), None
    except accounts.ResetTokenError as exc:
        return None, (render_template(invalid_template, reason=exc.reason), 410 if exc.reason in ("expired", "used") else 400)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str):
    """Choose a new password through the e-mailed link; the link dies once the password changes."""
    user, refusal = _link_user(accounts.load_reset_token, token, "auth/reset_invalid.html")
    if refusal:
        return refusal
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.change_password(user, form.password.data)  # ends every session of the user (models.core)
        login_throttle.forget(user.email)
        db.session.commit()
        after_response(_send_password_changed_mail, user.id)
        _end_local_session()
        flash(_("Uw wachtwoord is gewijzigd. Log in met uw nieuwe wachtwoord."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, user=user), (400 if request.method == "POST" else 200)


# --- Accepting an invitation ---


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def accept_invitation(token: str):
    """The invitee chooses a password through the mailed link (72 hours, once) and is logged in."""
    user, refusal = _link_user(accounts.load_invitation_token, token, "auth/invitation_invalid.html")
    if refusal:
        return refusal
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.change_password(user, form.password.data)  # the link is used up: the hash changed
        login_throttle.forget(user.email)
        db.session.commit()  # first: the new password raises the session generation the login must carry
        start_login(user, remember=False)
        db.session.commit()
        flash(_("Welkom, %(name)s. Uw wachtwoord is opgeslagen en u bent ingelogd.", name=user.name), "success")
        return redirect(role_home_url(user))
    return render_template("auth/accept_invitation.html", form=form, user=user), (400 if request.method == "POST" else 200)
