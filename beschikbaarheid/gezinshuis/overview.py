"""Coordinator's overview of the region's gezinshuizen and the best-match list (coordinator and referrers).

Both pages are GET forms: the URL holds the filters and the child's profile, nothing is stored.
Which locations are gezinshuizen is services/gezinshuis.region_gezinshuizen; how a gezinshuis
fits a child is domain/gezinshuis.match.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from beschikbaarheid.domain import freshness, geo
from beschikbaarheid.domain.gezinshuis import AGE_MAX, is_gezinshuis, HOUSEHOLD_BANDS, HOUSEHOLD_KINDS, SPECIALISMS, Child, Home, match, match_order
from beschikbaarheid.domain.places import PlaceNotFound
from beschikbaarheid.extensions import db
from beschikbaarheid.gezinshuis.access import bp, coordinator_region, coordinator_required, matcher_required, region_choices, user_is_coordinator
from beschikbaarheid.models import TARGET_GROUPS, Municipality, Region, utcnow
from beschikbaarheid.places import resolve_place
from beschikbaarheid.services.gezinshuis import region_gezinshuizen

DEFAULT_WEEKS = 8
MAX_WEEKS = 104
MAX_KM = 300
MAX_SIBLINGS = 6


@dataclass
class Query:
    """The page's GET parameters as typed (`raw`), parsed (`values`) and the Dutch error per field."""

    raw: dict
    values: dict
    errors: dict


def parse_query(names: dict) -> Query:
    """Parse the whole-number parameters {name: (low, high, default, message)}; text for the rest."""
    raw = {name: request.args.get(name, "").replace("\x00", "").strip()[:80] for name in (*names, "doelgroep", "locatie")}
    values, errors = {}, {}
    for name, (low, high, default, message) in names.items():
        text = raw[name]
        if not text:
            values[name] = default
        elif text.isascii() and text.isdigit() and len(text) <= 4 and low <= int(text) <= high:
            values[name] = int(text)
        else:
            values[name] = default
            errors[name] = message
    groups = [g for g in request.args.getlist("doelgroep") if g]
    unknown = [g for g in groups if g not in TARGET_GROUPS]
    if unknown:
        errors["doelgroep"] = _("Onbekende doelgroep: %(unknown)s.", unknown=", ".join(unknown)[:80])
    values["doelgroep"] = [g for g in groups if g in TARGET_GROUPS]
    values["place"] = None
    if raw["locatie"]:
        try:
            values["place"] = resolve_place(raw["locatie"])
        except PlaceNotFound as exc:
            errors["locatie"] = exc.message
    return Query(raw, values, errors)


def _km(location, place) -> float | None:
    if place is None or location.lat is None or location.lon is None:
        return None
    return geo.geodesic_km(place.lat, place.lon, location.lat, location.lon)


def _home(profile, km: float | None) -> Home:
    return Home(
        age_min=profile.age_min, age_max=profile.age_max, free_now=max(0, profile.free_places), free_from=profile.free_from,
        siblings_together=profile.siblings_together, siblings_max=profile.siblings_max, household=profile.household,
        groups=frozenset(profile.target_groups), specialisms=frozenset(profile.specialisms), km=km,
    )


def _household_text(profile) -> list[str]:
    """'Geplaatst: 12-15 (2), 4-7 (1)' per kind, for the glance."""
    lines = []
    for kind, label in HOUSEHOLD_KINDS.items():
        parts = [f"{band} ({n})" for band in HOUSEHOLD_BANDS if (n := profile.household.get((kind, band)))]
        lines.append(f"{_(label)}: {', '.join(parts) if parts else '0'}")
    return lines


def _page(template: str, status: int, **context):
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
@coordinator_required
def overview():
    """Every gezinshuis of the region: free now, free within N weeks, days empty, profile, age of the data."""
    region = coordinator_region()
    query = parse_query({
        "weken": (1, MAX_WEEKS, DEFAULT_WEEKS, _("Vul een aantal weken in van 1 tot en met %(max)d.", max=MAX_WEEKS)),
        "leeftijd": (0, AGE_MAX, None, _("Vul een leeftijd in van 0 tot en met %(max)d.", max=AGE_MAX)),
        "broers": (0, MAX_SIBLINGS, 0, _("Vul een aantal broers en zussen in van 0 tot en met %(max)d.", max=MAX_SIBLINGS)),
        "km": (1, MAX_KM, None, _("Vul een afstand in van 1 tot en met %(max)d km.", max=MAX_KM)),
    })
    now = utcnow()
    today = freshness.local_date(now)
    v = query.values
    rows, without_profile = [], []
    if not query.errors:
        horizon = today + dt.timedelta(weeks=v["weken"])
        for location, profile in region_gezinshuizen(region.id, today):
            if profile is None:
                without_profile.append(location)
                continue
            km = _km(location, v["place"])
            if v["leeftijd"] is not None and not profile.age_min <= v["leeftijd"] <= profile.age_max:
                continue
            if v["doelgroep"] and not set(v["doelgroep"]) <= set(profile.target_groups):
                continue
            if v["broers"] and (not profile.siblings_together or profile.siblings_max < v["broers"] + 1):
                continue
            if v["km"] is not None and km is not None and km > v["km"]:
                continue
            free_now = max(0, profile.free_places)
            coming = profile.free_from if not free_now and profile.free_from and profile.free_from <= horizon else None
            rows.append({
                "location": location, "profile": profile, "km": km, "free_now": free_now, "coming": coming,
                "days_empty": (today - profile.vacant_since).days if free_now and profile.vacant_since else None,
                "household": _household_text(profile),
            })
        # Free now first (nearest, then the place empty longest), then the soonest free, then full homes.
        rows.sort(key=lambda r: (0 if r["free_now"] else 1 if r["coming"] else 2, r["coming"] or dt.date.max,
                                 r["km"] if r["km"] is not None else 0, -(r["days_empty"] or 0), r["location"].name))
    return _page(
        "gezinshuis/overview.html", 400 if query.errors else 200, region=region, regions=region_choices(), query=query, rows=rows,
        without_profile=without_profile,
        today=today, target_groups=TARGET_GROUPS, specialisms=SPECIALISMS, now=now,
        free_now_total=sum(r["free_now"] for r in rows), coming_total=sum(1 for r in rows if r["coming"]),
    )


def _match_region(place) -> Region | None:
    """The coordinator's own region; a referrer's: that of the child's home municipality, else its account's."""
    if user_is_coordinator(current_user):
        return coordinator_region()
    if place is not None and place.cbs_code:
        region_id = db.session.scalar(sa.select(Municipality.region_id).where(Municipality.cbs_code == place.cbs_code))
        if region_id:
            return db.session.get(Region, region_id)
    return db.session.get(Region, current_user.region_id) if current_user.region_id else None


@bp.route("/match")
@matcher_required
def best_match():
    """Gezinshuizen ranked by fit with a child's profile entered for this search only, each line explained."""
    query = parse_query({
        "leeftijd": (0, AGE_MAX, None, _("Vul de leeftijd van het kind in, van 0 tot en met %(max)d jaar.", max=AGE_MAX)),
        "broers": (0, MAX_SIBLINGS, 0, _("Vul een aantal broers en zussen in van 0 tot en met %(max)d.", max=MAX_SIBLINGS)),
        "km": (1, MAX_KM, None, _("Vul een afstand in van 1 tot en met %(max)d km.", max=MAX_KM)),
        "weken": (1, MAX_WEEKS, DEFAULT_WEEKS, _("Vul een aantal weken in van 1 tot en met %(max)d.", max=MAX_WEEKS)),
    })
    v = query.values
    asked = any(query.raw[name] for name in ("leeftijd", "locatie"))
    if asked and v["leeftijd"] is None and "leeftijd" not in query.errors:
        query.errors["leeftijd"] = _("Vul de leeftijd van het kind in.")
    if asked and not query.raw["locatie"]:
        query.errors["locatie"] = _("Vul de postcode of woonplaats van het kind in.")
    region = _match_region(v["place"]) if not query.errors else None
    now = utcnow()
    today = freshness.local_date(now)
    ranked, unfit, without_profile = [], [], 0
    if asked and not query.errors and region is not None:
        child = Child(age=v["leeftijd"], siblings=v["broers"], groups=frozenset(v["doelgroep"]))
        for location, profile in region_gezinshuizen(region.id, today):
            if profile is None:
                without_profile += 1
                continue
            result = match(child, _home(profile, _km(location, v["place"])), today, v["weken"], v["km"], _=_)
            (ranked if result.fits else unfit).append({"location": location, "profile": profile, "match": result,
                                                       "household": _household_text(profile)})
        ranked.sort(key=lambda r: (*match_order(r["match"]), r["location"].name))
        unfit.sort(key=lambda r: r["location"].name)
    status = 400 if query.errors else 200
    return _page(
        "gezinshuis/match.html", status, query=query, region=region, regions=region_choices(), asked=asked, ranked=ranked, unfit=unfit,
        without_profile=without_profile, target_groups=TARGET_GROUPS, now=now, today=today,
        no_region=asked and not query.errors and region is None, coordinator=user_is_coordinator(current_user),
    )


@bp.app_template_global()
def gezinshuis_match_url(outcome) -> str | None:
    """For a logged-in referrer whose search asks for a gezinshuis: the best-match page with the
    search's age and place filled in (the search results link to it); otherwise None."""
    if not (current_user.is_authenticated and current_user.role == "verwijzer") or outcome.need is None:
        return None
    asked = set(outcome.need.strengths)
    if not any(p.id in asked and is_gezinshuis(p.code, p.name, p.form) for p in outcome.catalogue):
        return None
    return url_for("gezinshuis.best_match", leeftijd=outcome.input.leeftijd, locatie=outcome.input.locatie,
                   doelgroep=sorted(outcome.criteria.required_groups) if outcome.criteria else [])
