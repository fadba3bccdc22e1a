"""`flask users ...`: create accounts, set a password, list the demo accounts."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from beschikbaarheid.accounts import (
    AccountError,
    change_password,
    create_user,
    end_all_sessions,
    find_user_by_email,
)
from beschikbaarheid.cli.errors import CommandError
from beschikbaarheid.demo import demo_password
from beschikbaarheid.demo.data import accounts as demo_accounts
from beschikbaarheid.domain.regions import REGION_ROLES
from beschikbaarheid.extensions import db
from beschikbaarheid.models import REFERRER_TYPES, ROLES, Region, User
from beschikbaarheid.services import audit
from beschikbaarheid.services import users as user_changes

users_cli = AppGroup("users", help="Gebruikers beheren.")


@users_cli.command("create")
@click.option("--email", required=True, help="E-mailadres (inlognaam).")
@click.option("--name", required=True, help="Naam van de gebruiker.")
@click.option("--role", required=True, type=click.Choice(list(ROLES)), help="Rol.")
@click.option("--provider", default=None, help="Aanbieder (naam of nummer); verplicht bij rol aanbieder.")
@click.option("--referrer-type", default=None, help="Verwijzerstype 01-05; verplicht bij rol verwijzer.")
@click.option("--region", default=None, help="Inkoopregio (naam of nummer); verplicht bij contractmanager en beheerder.")
@click.option("--all-regions", is_flag=True, help="Alleen bij beheerder: beheert alle regio's (de beheerder van de installatie), in plaats van --region.")
@click.option("--password", default=None, help="Wachtwoord (minstens 12 tekens); zonder deze optie wordt erom gevraagd.")
def create_user_command(email, name, role, provider, referrer_type, region, all_regions, password):
    """Maak een gebruiker aan (verwijzer, aanbieder, contractmanager of beheerder)."""
    if all_regions:
        region_obj, problems = None, []
        if role != "beheerder":
            problems.append("--all-regions kan alleen bij de rol beheerder.")
        if region:
            problems.append("Geef --region of --all-regions, niet allebei.")
    else:
        region_obj, problems = _region_for(role, region)
    if password is None:
        password = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Herhaal wachtwoord")
    try:
        user = create_user(email=email, name=name, role=role, password=password, provider=provider, referrer_type=referrer_type,
                           region_id=region_obj.id if region_obj else None)
    except AccountError as exc:
        problems += exc.messages
    if problems:
        db.session.rollback()
        raise CommandError("\n".join(problems))
    db.session.flush()
    audit.record("cli", region_id=user.region_id, action="user.create", entity="user", entity_id=user.id,
                 summary=f"{user.name} <{user.email}>",
                 changes=audit.diff({}, user_changes.placement_snapshot(user, "email", "name")))
    db.session.commit()
    extra = ""
    if user.region:
        extra = f", regio {user.region.name}"
    elif user.role == "beheerder":
        extra = ", alle regio's"
    elif user.provider:
        extra = f", aanbieder {user.provider.name}"
    elif user.referrer_type:
        extra = f", {REFERRER_TYPES[user.referrer_type]}"
    click.echo(f"Gebruiker {user.email} aangemaakt ({ROLES[user.role]}{extra}).")


def _known_regions() -> str:
    names = db.session.scalars(db.select(Region.name).order_by(Region.name)).all()
    return f"Bekende regio's: {', '.join(names)}." if names else "Er zijn nog geen regio's; importeer eerst de producten van een regio."


def _region_for(role: str, ref: str | None) -> tuple[Region | None, list[str]]:
    """The region named by --region (name or number), with Dutch problems: required for contract
    managers and administrators (a contract manager without a region would see nothing), refused for others."""
    text = (ref or "").strip()
    if role not in REGION_ROLES:
        return None, (["Alleen contractmanagers en beheerders horen bij een regio; laat --region weg."] if text else [])
    if not text:
        hint = " (of --all-regions voor de beheerder van de installatie)" if role == "beheerder" else ""
        return None, [f"Een {role} hoort bij een regio: geef --region (naam of nummer){hint}. {_known_regions()}"]
    found = db.session.get(Region, int(text)) if text.isascii() and text.isdigit() and len(text) <= 9 else None
    found = found or db.session.scalar(db.select(Region).where(db.func.lower(Region.name) == text.lower()))
    if found is None:
        return None, [f"Regio '{text}' bestaat niet. {_known_regions()}"]
    return found, []


@users_cli.command("set-password")
@click.option("--email", required=True, help="E-mailadres van de gebruiker.")
@click.option("--password", default=None, help="Nieuw wachtwoord; zonder deze optie wordt erom gevraagd.")
def set_password_command(email, password):
    """Stel een nieuw wachtwoord in voor een bestaande gebruiker."""
    user = _existing_user(email)
    if password is None:
        password = click.prompt("Nieuw wachtwoord", hide_input=True, confirmation_prompt="Herhaal wachtwoord")
    try:
        change_password(user, password)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise CommandError("\n".join(exc.messages)) from None
    click.echo(f"Wachtwoord van {user.email} gewijzigd.")


@users_cli.command("deactivate")
@click.option("--email", required=True, help="E-mailadres van de gebruiker.")
def deactivate_command(email):
    """Zet een gebruiker op non-actief: inloggen kan niet meer en al zijn sessies eindigen."""
    user = _existing_user(email)
    try:
        user_changes.deactivate("cli", user)  # the last administrator of a region stays, also here
    except user_changes.Refused as exc:
        db.session.rollback()
        raise CommandError("\n".join(exc.messages)) from None
    db.session.commit()
    click.echo(f"Gebruiker {user.email} gedeactiveerd; al zijn sessies zijn beëindigd.")


@users_cli.command("end-sessions")
@click.option("--email", required=True, help="E-mailadres van de gebruiker.")
def end_sessions_command(email):
    """Log een gebruiker overal uit (bijvoorbeeld na verlies van een laptop)."""
    user = _existing_user(email)
    end_all_sessions(user)
    db.session.commit()
    click.echo(f"Alle sessies van {user.email} zijn beëindigd.")


def _existing_user(email: str):
    """The user with this e-mail address, or a Dutch error for the command line."""
    user = find_user_by_email(email)
    if user is None:
        raise CommandError(f"Geen gebruiker met e-mailadres {email}.")
    return user


@users_cli.command("demo-list")
def demo_list_command() -> None:
    """Toon de demo-accounts met hun rol en het demowachtwoord."""
    emails = [a[0] for a in demo_accounts.ACCOUNTS]
    users = {u.email: u for u in db.session.scalars(db.select(User).where(User.email.in_(emails)))}
    if not users:
        click.echo("Er zijn geen demo-accounts. Laad de demoregio met: flask --app beschikbaarheid demo load")
        return
    password = demo_password()
    click.echo("Demo-accounts (alleen voor de demo; fictieve aanbieders en cijfers):")
    for email in emails:
        user = users.get(email)
        if user is None:
            continue
        role = ROLES.get(user.role, user.role)
        if user.referrer_type:
            role = f"{role} – {REFERRER_TYPES.get(user.referrer_type, user.referrer_type)}"
        elif user.provider:
            role = f"{role} – {user.provider.name}"
        click.echo(f"  {email:<40} {role}")
    if next(iter(users.values())).check_password(password):
        click.echo(f"Wachtwoord voor alle demo-accounts: {password}")
    else:
        click.echo("Het demowachtwoord is gewijzigd sinds het laden (DEMO_PASSWORD); gebruik het wachtwoord van toen.")
