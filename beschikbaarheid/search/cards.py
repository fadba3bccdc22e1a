"""The HTML of the search page's repeated parts, built in Python: the result cards and the error
slots next to the fields.

Why not a Jinja macro: a results page shows ten to twenty-five cards, and in the macro each card
cost some 80 escapes, 30 attribute look-ups and a dozen template calls (0.1 ms a card, a quarter of
the whole search page). Here the fixed texts are translated and escaped once per locale, and a card
escapes only its own values (with markupsafe, exactly as Jinja's autoescape does), which makes it
about ten times cheaper. The markup is the one the macro had; templates/search/_results.html calls
`result_card(r, level)`, and the tests read the cards like any other page content.

Structure of a card (ids are stable so htmx re-renders can restore focus, see static/js/app.js):
heading with provider and product, the score, the facts (location, distance, waiting time, free
places, intake status, data age, contact), and "Waarom deze plek?" with the explanation and a
table of the score parts and their weights.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from beschikbaarheid.domain import scoring
from beschikbaarheid.i18n import gettext as _
from beschikbaarheid.i18n import ngettext, nl_number, per_locale
from beschikbaarheid.memo import keep
from beschikbaarheid.models import INTAKE_STATUSES

BADGES = {"open": "badge-ok", "overleg": "badge-warn", "gesloten": "badge-bad"}


def _texts() -> dict[str, str]:
    """The card's fixed texts in the request's language, escaped (built once per locale)."""
    return {key: str(escape(text)) for key, text in {
        "score_title": _("Score van 0 tot 100"),
        "punten": _("punten"),
        "locatie": _("Locatie"),
        "gemeente": _("gemeente"),
        "afstand": _("Afstand"),
        "wachttijd": _("Wachttijd"),
        "onbekend": _("onbekend"),
        "vrij": _("Vrije plekken"),
        "aanmelding": _("Aanmelding"),
        "actualiteit": _("Actualiteit"),
        "stale": _("niet bijgewerkt deze maand"),
        "contact": _("Contact"),
        "crisis": _("Crisis (24/7):"),
        "intake": _("Intake:"),
        "website": _("Website"),
        "geen_contact": _("Geen contactgegevens bekend."),
        "waarom": _("Waarom deze plek?"),
        "onderdelen": _("Onderdelen van de score"),
        "onderdeel": _("Onderdeel"),
        "waarde": _("Waarde"),
        "weegt": _("Weegt mee"),
        "toezegging": _("Een vrije plek is geen toezegging: de aanbieder beslist bij de intake."),
    }.items()} | {
        f"intake_{code}": str(escape(_(label))) for code, label in INTAKE_STATUSES.items()
    } | {
        f"part_{name}": str(escape(_(label))) for name, label in scoring.PART_LABELS.items()
    }


_TEXTS_BY_LOCALE: dict[str | None, dict[str, str]] = {}
# Per locale: the escaped, translated waiting time of a number of weeks ("3 weken").
_WEEKS_BY_LOCALE: dict[str | None, dict[int, str]] = {}
# The parts of a card that depend only on the offering's names and contact details (title, location,
# contact), keyed by the locale and those values themselves, so a changed detail is simply another key.
_STATIC_PARTS: dict[tuple, tuple[str, str, str]] = {}
STATIC_PARTS_MAX = 20_000
# Per locale: the score table's rows by (part, value, weight); four parts x 1001 values at most per weight.
_PART_ROWS_BY_LOCALE: dict[str | None, dict[tuple, str]] = {}
PART_ROWS_MAX = 20_000
# Explanation sentences as list items (escaped). The sentences are already in the reader's language,
# so one map serves every locale; they repeat across cards ("Wachttijd 4 weken", "1 vrije plek").
_LINES: dict[str, str] = {}
LINES_MAX = 20_000


class CardRenderer:
    """Renders the cards of one page: the locale's texts and the weights (in whole percent) once."""

    def __init__(self, weights: dict[str, float]):
        self.t = per_locale(_TEXTS_BY_LOCALE, _texts)
        self.t_key = id(self.t)  # one texts dict per locale: identifies the locale in cache keys
        self.weight_pct = {name: int(round(w * 100)) for name, w in weights.items()}
        self._weeks = per_locale(_WEEKS_BY_LOCALE, dict)
        self._rows = per_locale(_PART_ROWS_BY_LOCALE, dict)
        self._lines = _LINES

    def _waiting(self, weeks: int | None) -> str:
        if weeks is None:
            return self.t["onbekend"]
        found = self._weeks.get(weeks)
        if found is None:
            found = self._weeks[weeks] = str(escape(ngettext("%(num)d week", "%(num)d weken", weeks)))
        return found

    def _part_row(self, name: str, value: float) -> str:
        """One row of the score table ("Afstand", 0.873 -> 87%, weight), kept per locale: values have three decimals."""
        key = (name, value, self.weight_pct.get(name, ""))
        found = self._rows.get(key)
        if found is None:
            found = keep(self._rows, key, (
                f'        <tr><th scope="row">{self.t["part_" + name]}</th><td class="num"><meter min="0" max="1" value="{value}" aria-hidden="true"></meter>'
                f' {int(round(value * 100))}%</td><td class="num">{key[2]}%</td></tr>'
            ), PART_ROWS_MAX)
        return found

    def _static(self, r) -> tuple[str, str, str]:
        """(title, location, contact) HTML of the card, built once per locale and set of details."""
        key = (self.t_key, r.offering_id, r.provider_name, r.product_code, r.product_name, r.location_name, r.postcode,
               r.woonplaats, r.municipality, r.crisis_phone, r.intake_phone, r.intake_email, r.website)
        found = _STATIC_PARTS.get(key)
        if found is not None:
            return found
        t = self.t
        oid = r.offering_id
        title = f'{escape(r.provider_name)} <span class="result-product">— {escape(r.product_code)} {escape(r.product_name)}</span>'
        location = str(escape(r.location_name))
        if r.postcode or r.woonplaats:
            location += f", {escape(r.postcode or '')} {escape(r.woonplaats or '')}"
        if r.municipality and r.municipality != r.woonplaats:
            location += f" ({t['gemeente']} {escape(r.municipality)})"
        contact = []
        if r.crisis_phone:
            contact.append(f'<span class="contact-item">{t["crisis"]} <a id="crisis-{oid}" href="tel:{escape(r.crisis_phone.replace(" ", ""))}">{escape(r.crisis_phone)}</a></span>')
        if r.intake_phone:
            contact.append(f'<span class="contact-item">{t["intake"]} <a id="intake-{oid}" href="tel:{escape(r.intake_phone.replace(" ", ""))}">{escape(r.intake_phone)}</a></span>')
        if r.intake_email:
            contact.append(f'<span class="contact-item"><a id="mail-{oid}" href="mailto:{escape(r.intake_email)}">{escape(r.intake_email)}</a></span>')
        if r.website:
            contact.append(f'<span class="contact-item"><a id="website-{oid}" href="{escape(r.website)}" rel="noopener noreferrer">{t["website"]}</a></span>')
        if not contact:
            contact.append(t["geen_contact"])
        return keep(_STATIC_PARTS, key, (title, location, "\n      ".join(contact)), STATIC_PARTS_MAX)

    def __call__(self, r, level: int = 3) -> Markup:
        t = self.t
        oid = r.offering_id
        title, location, joined_contact = self._static(r)
        lines = self._lines
        reasons = []
        for line in r.explanation:
            item = lines.get(line)
            if item is None:
                item = keep(lines, line, f"<li>{escape(line)}</li>", LINES_MAX)
            reasons.append(item)
        reasons = "".join(reasons)
        parts = "\n".join([self._part_row(name, value) for name, value in r.parts.as_dict().items()])
        intake = t.get("intake_" + r.intake_status) or str(escape(r.intake_status))
        stale = f' <strong class="stale">{t["stale"]}</strong>' if r.stale else ""
        free = t["onbekend"] if r.free_places is None else r.free_places
        return Markup(f"""<article id="resultaat-{oid}" class="result{' result-stale' if r.stale else ''}" aria-labelledby="res-{oid}">
  <div class="result-head">
    <h{level} id="res-{oid}" class="result-title">{title}</h{level}>
    <p class="result-score" title="{t['score_title']}"><span class="score-value">{r.score}</span><span class="score-max"> / 100</span><span class="visually-hidden"> {t['punten']}</span></p>
  </div>
  <dl class="result-facts">
    <div><dt>{t['locatie']}</dt><dd>{location}</dd></div>
    <div><dt>{t['afstand']}</dt><dd>{nl_number(r.km, 1)} km</dd></div>
    <div><dt>{t['wachttijd']}</dt><dd>{self._waiting(r.waiting_weeks)}</dd></div>
    <div><dt>{t['vrij']}</dt><dd>{free}</dd></div>
    <div><dt>{t['aanmelding']}</dt><dd><span class="badge {BADGES.get(r.intake_status, '')}">{intake}</span></dd></div>
    <div><dt>{t['actualiteit']}</dt><dd>{escape(r.age_label)}{stale}</dd></div>
    <div class="result-contact"><dt>{t['contact']}</dt><dd>
      {joined_contact}
    </dd></div>
  </dl>
  <details class="why">
    <summary>{t['waarom']}</summary>
    <ul class="why-reasons">
      {reasons}
    </ul>
    <table class="why-parts">
      <caption class="visually-hidden">{t['onderdelen']}</caption>
      <thead><tr><th scope="col">{t['onderdeel']}</th><th scope="col" class="num">{t['waarde']}</th><th scope="col" class="num">{t['weegt']}</th></tr></thead>
      <tbody>
{parts}
      </tbody>
    </table>
    <p class="small">{t['toezegging']}</p>
  </details>
</article>""")


class FieldErrors:
    """The error slot next to a search field (``fout-<name>``). Always present, empty when fine, so
    the htmx partial can fill or clear it out of band without replacing the input being typed in.

    Suggestions become links that run the search again with the suggestion filled in; the
    resolver's message ends in "Bedoelde u: A of B?", which the links replace.
    """

    def __init__(self, search_url):
        self.search_url = search_url

    def __call__(self, name: str, error=None, oob: bool = False) -> Markup:
        swap = ' hx-swap-oob="innerHTML"' if oob else ""
        head = f'<div class="field-error search-error" id="fout-{escape(name)}"{swap}>'
        if not error:
            return Markup(head + "</div>")
        message = error.message.split(" Bedoelde u")[0] if error.suggestions else error.message
        body = f"<p>{escape(message)}</p>"
        did_you_mean = escape(_("Bedoelde u:"))  # outside the f-strings: pybabel does not look inside them
        if error.suggestions and name == "doelgroepen":
            body += f"<p>{did_you_mean} {escape(', '.join(error.suggestions))}?</p>"
        elif error.suggestions:
            links = []
            for suggestion in error.suggestions:
                if name in ("product", "segment"):
                    url = self.search_url(product=suggestion, segment=None)
                else:
                    url = self.search_url(**{name: suggestion})
                links.append(f'<a href="{escape(url)}">{escape(suggestion)}</a>')
            body += f"<p>{did_you_mean}\n    {', '.join(links)}?\n  </p>"
        return Markup(head + body + "</div>")
