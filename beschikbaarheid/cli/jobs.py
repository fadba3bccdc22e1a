"""`flask jobs ...`: start the scheduler process, or run one job now (optionally as if it were another day)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import signal

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo, pass_script_info

from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.domain.reminders import KIND_LABELS, period_label

jobs_cli = AppGroup("jobs", help="Achtergrondtaken: maandelijkse herinneringen en verouderde gegevens.")


def parse_as_of(value: str | None) -> dt.datetime | None:
    """'2026-03-02' means that day at REMINDER_HOUR (Amsterdam); a full ISO time is taken as given (naive = Amsterdam)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time(int(current_app.config.get("REMINDER_HOUR", 8))), tzinfo=TZ)
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"ongeldige datum {value!r}; gebruik JJJJ-MM-DD of JJJJ-MM-DDTUU:MM") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


@jobs_cli.command("run")
@pass_script_info
def run_scheduler(script_info: ScriptInfo) -> None:
    """Start de planner (blijft draaien; één proces, nooit in webworkers)."""
    from jobs.scheduler import build_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheduler = build_scheduler(script_info.load_app())  # the app itself: the jobs push its context in their thread

    def stop(signum, frame):  # noqa: ARG001
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Planner gestart (tijdzone {scheduler.timezone}); stoppen met Ctrl+C.")
    for job in scheduler.get_jobs():
        click.echo(f"  {job.name}: {job.trigger}")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Planner stopt; lopende taak wordt afgemaakt.")
        if scheduler.running:
            scheduler.shutdown(wait=True)


@jobs_cli.group("run-once")
def run_once() -> None:
    """Voer één taak nu uit (of alsof het een andere dag is)."""


def _describe(d) -> str:
    who = f"{d.name} <{d.email}>" if d.email else f"{d.name} (geen e-mailadres)"
    return f"{KIND_LABELS[d.kind]:<24} {who}: {d.reason}"


@run_once.command("reminders")
@click.option("--dry-run", is_flag=True, help="Alleen tonen wie een herinnering zou krijgen; niets versturen of vastleggen.")
@click.option("--as-of", "as_of", metavar="DATUM", help="Doe alsof het deze dag is (JJJJ-MM-DD, om REMINDER_HOUR).")
def run_reminders_once(dry_run: bool, as_of: str | None) -> None:
    """Herinneringen versturen die nu aan de beurt zijn, en tonen wie en waarom."""
    from jobs.reminders import run_reminder_job

    moment = parse_as_of(as_of)
    result = run_reminder_job(moment, dry_run=dry_run)
    if result.status == "locked":
        click.echo("Een andere run houdt de herinneringen-lock vast; niets gedaan.", err=True)
        raise SystemExit(2)
    out = result.result
    local = out.as_of.astimezone(TZ)
    click.echo(f"Herinneringen {period_label(out.period)} per {local:%Y-%m-%d %H:%M}{' (droogloop: niets verstuurd)' if dry_run else ''}")
    if dry_run:
        for d in out.planned:
            click.echo(f"  {_describe(d)}")
    else:
        for d in out.sent:
            click.echo(f"  verstuurd    {_describe(d)}")
        for d in out.escalated:
            click.echo(f"  belijst      {_describe(d)}")
        for d, error in out.failed:
            click.echo(f"  MISLUKT      {_describe(d)} -- {error}")
        for d in out.skipped:
            click.echo(f"  overgeslagen {_describe(d)} -- al door een andere run afgehandeld")
    s = out.summary()
    click.echo(
        f"Aan de beurt {s['planned']}, verstuurd {s['sent']}, belijst {s['escalated']}, "
        f"mislukt {s['failed']}, overgeslagen {s['skipped']}."
    )
    if not out.planned:
        click.echo("Niemand is nu aan de beurt (geen werkdag, vóór de eerste werkdag of iedereen is bij).")
    if out.server_error:
        click.echo(f"Mailserver: {out.server_error}", err=True)
    if out.failed and not dry_run:
        raise SystemExit(1)


@run_once.command("staleness")
@click.option("--as-of", "as_of", metavar="DATUM", help="Doe alsof het deze dag is (JJJJ-MM-DD).")
def run_staleness_once(as_of: str | None) -> None:
    """Aanbod dat deze maand niet is bijgewerkt als verouderd markeren (en andersom)."""
    from jobs.staleness import run_staleness_job

    result = run_staleness_job(parse_as_of(as_of))
    if result.status == "locked":
        click.echo("Een andere run houdt de staleness-lock vast; niets gedaan.", err=True)
        raise SystemExit(2)
    s = result.result.summary()
    click.echo(f"Aanbod bekeken: {s['total']}; nu verouderd: {s['marked_stale']}; weer actueel: {s['marked_fresh']}.")


@run_once.command("meldingen")
@click.option("--dry-run", is_flag=True, help="Alleen tonen wat er zou gebeuren; niets versturen of vastleggen.")
@click.option("--as-of", "as_of", metavar="DATUM", help="Doe alsof het deze dag is (JJJJ-MM-DD, om REMINDER_HOUR).")
def run_feedback_once(dry_run: bool, as_of: str | None) -> None:
    """'Klopt dit niet?'-meldingen: te lang onbeantwoorde op de belijst, nieuwe per aanbieder mailen."""
    from jobs.feedback import run_feedback_job

    result = run_feedback_job(parse_as_of(as_of), dry_run=dry_run)
    if result.status == "locked":
        click.echo("Een andere run houdt de meldingen-lock vast; niets gedaan.", err=True)
        raise SystemExit(2)
    out = result.result
    for d in out.planned:
        click.echo(f"  {'aan de beurt' if dry_run else 'aanbieder   '} {d.name}: {len(d.reports)} melding(en) -> {', '.join(d.recipients) or 'geen e-mailadres'}")
    for d, error in out.failed:
        click.echo(f"  MISLUKT      {d.name} -- {error}")
    s = out.summary()
    click.echo(f"Op de belijst {s['escalated']}, mails aan de beurt {s['planned']}, verstuurd {s['sent']}, "
               f"mislukt {s['failed']}, overgeslagen {s['skipped']}, zonder e-mailadres {s['no_address']}.")
    if out.failed and not dry_run:
        raise SystemExit(1)


@run_once.command("aanvragen")
@click.option("--as-of", "as_of", metavar="DATUM", help="Doe alsof het deze dag is (JJJJ-MM-DD).")
def run_reduction_once(as_of: str | None) -> None:
    """Aanvragen voor een gezinshuis van meer dan twee jaar geleden samenvatten tot tellingen per maand."""
    from jobs.gezinshuis import run_reduction_job

    result = run_reduction_job(parse_as_of(as_of))
    if result.status == "locked":
        click.echo("Een andere run houdt de aanvragen-lock vast; niets gedaan.", err=True)
        raise SystemExit(2)
    s = result.result.summary()
    click.echo(f"Aanvragen van vóór {s['cutoff']} samengevat: {s['reduced']} aanvragen in {s['months']} maandtellingen.")


@run_once.command("plek-alerts")
@click.option("--as-of", "as_of", metavar="DATUM", help="Doe alsof het deze dag is (JJJJ-MM-DD).")
def run_alerts_once(as_of: str | None) -> None:
    """Plek-alerts: bewaarde zoekopdrachten van verwijzers nalopen en mailen wat er is vrijgekomen."""
    from jobs.alerts import run_alert_job

    result = run_alert_job(parse_as_of(as_of))
    if result.status == "locked":
        click.echo("Een andere run houdt de plek-alert-lock vast; niets gedaan.", err=True)
        raise SystemExit(2)
    out = result.result
    for d, error in out.failed:
        click.echo(f"  MISLUKT      alert {d.alert_id} -- {error}")
    s = out.summary()
    click.echo(f"Actieve alerts {s['active']}, gewijzigd aanbod {s['changes']}, alerts met wijzigingen {s['looked']}, "
               f"nulmetingen {s['baselines']}, mails aan de beurt {s['planned']}, verstuurd {s['sent']}, "
               f"mislukt {s['failed']}, overgeslagen {s['skipped']}.")
    if out.failed:
        raise SystemExit(1)


@jobs_cli.command("status")
@click.option("--limit", default=10, show_default=True)
def status(limit: int) -> None:
    """Laatste runs en locks tonen."""
    from beschikbaarheid.extensions import db
    from beschikbaarheid.models import JobLock
    from jobs.runs import recent_runs

    for run in recent_runs(limit=limit):
        started = run.started_at.astimezone(TZ)
        summary = json.loads(run.summary) if run.summary else {}
        click.echo(f"{started:%Y-%m-%d %H:%M:%S} {run.job:<10} {run.status:<7} {'droog ' if run.dry_run else ''}{summary or run.error or ''}")
    for lock in db.session.scalars(db.select(JobLock)):
        state = f"vast door {lock.holder} tot {lock.expires_at.astimezone(TZ):%H:%M:%S}" if lock.holder else "vrij"
        click.echo(f"lock {lock.name}: {state}")
