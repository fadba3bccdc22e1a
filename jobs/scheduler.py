"""The scheduler process: APScheduler 3 in the foreground, started by `flask jobs run`, never in web workers.

Job store: in memory, on purpose. The schedule is code (rebuilt from settings at every start), the
scheduler runs as exactly one process, and correctness never depends on the job store: due-ness is
computed from the database state, duplicates are impossible by the `reminder_log` unique constraint,
and overlapping runs are kept apart by the job lock. A persistent job store would add shared state
APScheduler 3 cannot safely share between processes, without making anything more correct.

Catch-up: both jobs also run once right after start, so a day missed while the process was down is
handled by the restart (once: the job decides from state what is still due). `coalesce` folds a
backlog of missed triggers into one run, `max_instances=1` keeps a slow run from overlapping itself.
"""
from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)

REMINDER_JOB_ID = "herinneringen"
STALENESS_JOB_ID = "verouderd-markeren"
FEEDBACK_JOB_ID = "meldingen"
REDUCTION_JOB_ID = "aanvragen-samenvatten"
ALERT_JOB_ID = "plek-alerts"


def scheduled_reminders(app) -> None:
    """Scheduler entry point: today's reminder actions, inside an app context."""
    from jobs.reminders import run_reminder_job

    with app.app_context():
        result = run_reminder_job()
        log.info("reminders: %s %s", result.status, result.result.summary() if result.result else "")


def scheduled_staleness(app) -> None:
    """Scheduler entry point: refresh the stale flags, inside an app context."""
    from jobs.staleness import run_staleness_job

    with app.app_context():
        result = run_staleness_job()
        log.info("staleness: %s %s", result.status, result.result.summary() if result.result else "")


def scheduled_feedback(app) -> None:
    """Scheduler entry point: escalate overdue "Klopt dit niet?" reports and mail providers their new ones."""
    from jobs.feedback import run_feedback_job

    with app.app_context():
        result = run_feedback_job()
        log.info("feedback: %s %s", result.status, result.result.summary() if result.result else "")


def scheduled_reduction(app) -> None:
    """Scheduler entry point: reduce gezinshuis requests older than two years to monthly counts."""
    from jobs.gezinshuis import run_reduction_job

    with app.app_context():
        result = run_reduction_job()
        log.info("gezinshuis reduction: %s %s", result.status, result.result.summary() if result.result else "")


def scheduled_alerts(app) -> None:
    """Scheduler entry point: evaluate the referrers' plek-alerts and mail what opened up."""
    from jobs.alerts import run_alert_job

    with app.app_context():
        result = run_alert_job()
        log.info("alerts: %s %s", result.status, result.result.summary() if result.result else "")


def build_scheduler(app, scheduler_class: type[BaseScheduler] = BlockingScheduler, *, run_on_start: bool | None = None) -> BaseScheduler:
    """A scheduler with the reminder job (daily at REMINDER_HOUR), the staleness job (daily just after
    midnight), the "Klopt dit niet?" job (daily at FEEDBACK_MAIL_HOUR:FEEDBACK_MAIL_MINUTE), the
    reduction of gezinshuis requests older than two years (daily at REDUCTION_HOUR:REDUCTION_MINUTE) and
    the plek-alert job (daily at ALERT_MAIL_HOUR:ALERT_MAIL_MINUTE)."""
    config = app.config
    tz = ZoneInfo(config.get("SCHEDULER_TIMEZONE", "Europe/Amsterdam"))
    if run_on_start is None:
        run_on_start = bool(config.get("JOBS_RUN_ON_START", True))
    scheduler = scheduler_class(
        timezone=tz,
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            # A run that starts late (machine asleep, long GC) still runs within the grace time;
            # later than that the next day's run catches up from state anyway.
            "misfire_grace_time": int(config.get("JOBS_MISFIRE_GRACE_SECONDS", 6 * 3600)),
        },
    )
    first_run = {"next_run_time": dt.datetime.now(tz)} if run_on_start else {}
    scheduler.add_job(
        scheduled_reminders,
        CronTrigger(hour=int(config.get("REMINDER_HOUR", 8)), minute=0, timezone=tz),
        args=[app], id=REMINDER_JOB_ID, name="Maandelijkse herinneringen", replace_existing=True, **first_run,
    )
    scheduler.add_job(
        scheduled_staleness,
        CronTrigger(hour=int(config.get("STALENESS_HOUR", 0)), minute=int(config.get("STALENESS_MINUTE", 5)), timezone=tz),
        args=[app], id=STALENESS_JOB_ID, name="Verouderde gegevens markeren", replace_existing=True, **first_run,
    )
    scheduler.add_job(
        scheduled_feedback,
        CronTrigger(hour=int(config.get("FEEDBACK_MAIL_HOUR", 9)), minute=int(config.get("FEEDBACK_MAIL_MINUTE", 0)), timezone=tz),
        args=[app], id=FEEDBACK_JOB_ID, name="Meldingen 'klopt dit niet?'", replace_existing=True, **first_run,
    )
    scheduler.add_job(
        scheduled_reduction,
        CronTrigger(hour=int(config.get("REDUCTION_HOUR", 1)), minute=int(config.get("REDUCTION_MINUTE", 15)), timezone=tz),
        args=[app], id=REDUCTION_JOB_ID, name="Aanvragen gezinshuizen ouder dan twee jaar samenvatten", replace_existing=True, **first_run,
    )
    scheduler.add_job(
        scheduled_alerts,
        CronTrigger(hour=int(config.get("ALERT_MAIL_HOUR", 7)), minute=int(config.get("ALERT_MAIL_MINUTE", 30)), timezone=tz),
        args=[app], id=ALERT_JOB_ID, name="Plek-alerts", replace_existing=True, **first_run,
    )
    return scheduler
