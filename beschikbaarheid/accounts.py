"""User accounts: creating users with the right role data, passwords and reset tokens.

One place validates an account (role, referrer type, provider, password length), so the CLI, demo
data and a future admin screen cannot create a referrer without a type or a provider user without
a provider.
"""
from __future__ import annotations

import hashlib
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from beschikbaarheid.domain import passwords
from beschikbaarheid.extensions import db
from beschikbaarheid.models import REFERRER_TYPES, ROLES, Provider, User

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128  # ASVS 2.1.2: at least 64 allowed, more than 128 refused
RESET_SALT = "password-reset-v1"
DEFAULT_RESET_MAX_AGE = 3600  # seconds
INVITATION_SALT = "invitation-v1"
DEFAULT_INVITATION_MAX_AGE = 72 * 3600  # seconds (INVITATION_MAX_AGE)
TOO_COMMON_MESSAGE = "Dit wachtwoord is te bekend en daardoor makkelijk te raden. Kies bijvoorbeeld een zin van een paar woorden."


class AccountError(ValueError):
    """Invalid account data; `messages` are Dutch and meant for the person who typed them."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


def password_problems(password: str | None) -> list[str]:
    """Why a new password is not acceptable (empty list when it is)."""
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        return [f"Het wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens lang zijn."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Het wachtwoord mag hoogstens {MAX_PASSWORD_LENGTH} tekens lang zijn."]
    if not password.strip():
        return ["Het wachtwoord mag niet alleen uit spaties bestaan."]
    if passwords.is_too_common(password):
        return [TOO_COMMON_MESSAGE]
    return []


def normalise_email(email: str) -> str:
    """Lower-cased, syntax-checked e-mail address; AccountError when it is not an address."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AccountError([f"'{email}' is geen geldig e-mailadres."]) from None


def find_user_by_email(email: str) -> User | None:
    """Case-insensitive lookup (addresses are stored lower-case, older rows may not be)."""
    return db.session.scalar(db.select(User).where(db.func.lower(User.email) == (email or "").strip().lower()))


def find_provider(ref: str | int | Provider | None) -> Provider | None:
    """A provider by object, id or exact (case-insensitive) name."""
    if ref is None or isinstance(ref, Provider):
        return ref
    text = str(ref).strip()
    if text.isdigit():
        found = db.session.get(Provider, int(text))
        if found:
            return found
    return db.session.scalar(db.select(Provider).where(db.func.lower(Provider.name) == text.lower()))


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    provider: str | int | Provider | None = None,
    referrer_type: str | None = None,
    region_id: int | None = None,
) -> User:
    """Validate and add a user (not committed); AccountError lists every problem at once."""
    problems: list[str] = []
    try:
        email = normalise_email(email)
    except AccountError as exc:
        problems += exc.messages
    else:
        if find_user_by_email(email):
            problems.append(f"Er bestaat al een gebruiker met e-mailadres {email}.")
    name = (name or "").strip()
    if not name:
        problems.append("Vul een naam in.")
    elif len(name) > 120:
        problems.append("De naam mag hoogstens 120 tekens lang zijn.")
    if role not in ROLES:
        problems.append(f"Onbekende rol '{role}'. Kies uit: {', '.join(ROLES)}.")

    role_problems, provider_obj = role_data_problems(role, provider, referrer_type)
    problems += role_problems

    problems += password_problems(password)
    if problems:
        raise AccountError(problems)

    user = User(email=email, name=name, role=role, provider=provider_obj,
                referrer_type=referrer_type if role == "verwijzer" else None, region_id=region_id)
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    return user


def role_data_problems(role: str, provider, referrer_type: str | None) -> tuple[list[str], Provider | None]:
    """What a role needs and refuses: a provider for aanbieder users only, a referrer type for
    referrers only. Returns the problems and the provider found."""
    problems: list[str] = []
    provider_obj = None
    if role == "aanbieder":
        if provider in (None, ""):
            problems.append("Een aanbieder-gebruiker hoort bij één aanbieder: geef --provider (naam of nummer).")
        else:
            provider_obj = find_provider(provider)
            if provider_obj is None:
                problems.append(f"Aanbieder '{provider}' bestaat niet.")
    elif provider not in (None, ""):
        problems.append("Alleen gebruikers met de rol aanbieder horen bij een aanbieder.")

    if role == "verwijzer":
        if not referrer_type:
            problems.append("Een verwijzer heeft een verwijzerstype: " + _referrer_choices() + ".")
        elif referrer_type not in REFERRER_TYPES:
            problems.append(f"Onbekend verwijzerstype '{referrer_type}'. Kies uit: " + _referrer_choices() + ".")
    elif referrer_type:
        problems.append("Alleen verwijzers hebben een verwijzerstype.")
    return problems, provider_obj


def _referrer_choices() -> str:
    return ", ".join(f"{code} ({label})" for code, label in REFERRER_TYPES.items())


def change_password(user: User, password: str) -> None:
    """Set a new password (not committed); old reset links stop working because the hash changes."""
    problems = password_problems(password)
    if problems:
        raise AccountError(problems)
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])


def deactivate(user: User) -> None:
    """The user can no longer log in; every session of theirs ends (models.core, not committed)."""
    user.active = False


def end_all_sessions(user: User) -> None:
    """Log the user out everywhere: every session and remember-me cookie stops working (not committed)."""
    user.end_all_sessions()


# --- Password reset and invitation tokens ---
#
# Both are signed with SECRET_KEY (each with its own salt, so one cannot pass for the other) and carry
# part of a digest of the password hash: once a password is set the hash changes and the link is used
# up. An invited user holds an unusable random password until then; a new invitation replaces it,
# so older invitation links stop working too.


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _hash_fragment(user: User) -> str:
    """Part of a digest of the current password hash: a changed password voids older tokens."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _make_token(user: User, salt: str) -> str:
    return _serializer(salt).dumps({"u": user.id, "h": _hash_fragment(user)})


def _load_token(token: str, salt: str, max_age: int) -> User:
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ResetTokenError("expired") from None
    except BadSignature:
        raise ResetTokenError("invalid") from None
    user = db.session.get(User, payload.get("u")) if isinstance(payload, dict) and isinstance(payload.get("u"), int) else None
    if user is None or not user.active or payload.get("h") != _hash_fragment(user):
        raise ResetTokenError("used")
    return user


def make_reset_token(user: User) -> str:
    """A signed token for one user's password reset, valid until used or expired."""
    return _make_token(user, RESET_SALT)


def load_reset_token(token: str) -> User:
    """The active user a valid reset token belongs to; raises ResetTokenError otherwise."""
    return _load_token(token, RESET_SALT, int(current_app.config.get("PASSWORD_RESET_MAX_AGE", DEFAULT_RESET_MAX_AGE)))


def unusable_password() -> str:
    """A random password nobody is told: an invited account holds one until its holder chooses one."""
    return secrets.token_urlsafe(32)


def set_unusable_password(user: User) -> None:
    """Replace the password by an unusable one (not committed): older invitation links stop working."""
    user.set_password(unusable_password(), current_app.config["PASSWORD_HASH_METHOD"])


def make_invitation_token(user: User) -> str:
    """A signed token for one invitation, valid INVITATION_MAX_AGE seconds (72 hours) until used."""
    return _make_token(user, INVITATION_SALT)


def invitation_max_age() -> int:
    """How long an invitation link works, in seconds."""
    return int(current_app.config.get("INVITATION_MAX_AGE", DEFAULT_INVITATION_MAX_AGE))


def load_invitation_token(token: str) -> User:
    """The active user a valid invitation token belongs to; raises ResetTokenError otherwise."""
    return _load_token(token, INVITATION_SALT, invitation_max_age())


class ResetTokenError(Exception):
    """A reset or invitation link that cannot be used (reason: expired | invalid | used)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

