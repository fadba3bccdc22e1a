"""The register: regions and places, the product catalogue, providers, contracts and offerings.

An offering is one contracted product delivered at one location; its current figures live on the
row, every change to them is appended to `OfferingChange` (never updated or deleted).
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    false as sa_false,
    or_,
    true as sa_true,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from beschikbaarheid.domain import freshness, sessions
from beschikbaarheid.extensions import db
from flask_babel import lazy_gettext as _l


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC; every stored timestamp is UTC."""
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(db.TypeDecorator):
    """A timestamp that always comes back timezone-aware in UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware UTC datetime")
        return value.astimezone(dt.timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite drops the offset
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class FormOfCare(str, enum.Enum):
    """Forms of care, least intensive last in this list is NOT implied; see INTENSITY_ORDER."""

    VERBLIJF = "verblijf"
    WONEN = "wonen"
    DEELTIJD = "deeltijd"
    DAGBEHANDELING = "dagbehandeling"
    AMBULANT = "ambulant"
    CRISIS = "crisis"


FORM_LABELS = {
    "verblijf": "Verblijf (24-uurs)",
    "wonen": "Wonen",
    "deeltijd": "Deeltijdverblijf / logeren",
    "dagbehandeling": "Dagbehandeling",
    "ambulant": "Ambulant",
    "crisis": "Crisis",
}

SEGMENT_LABELS = {
    1: _l("Hoog specialistisch"),
    2: _l("Wonen"),
    3: _l("Dagbehandeling en dagbesteding"),
    4: _l("Specialistisch veel voorkomend"),
    5: _l("Crisis"),
}

# iJw product categories (JZ020), the first two digits of a product code.
CATEGORY_LABELS = {
    "40": "Persoonlijke verzorging",
    "41": "Dagbehandeling",
    "42": "Vervoerdiensten",
    "43": "Jeugdhulp verblijf (incl. behandeling)",
    "44": "Jeugdhulp verblijf (excl. behandeling)",
    "45": "Jeugdhulp ambulant",
    "46": "Jeugdhulp crisis",
    "47": "Jeugdreclassering",
    "48": "Jeugdbescherming",
    "49": "Preventief justitieel kader",
    "50": "Maatwerkarrangementen",
    "51": "Generalistische basis-ggz",
    "52": "Specialistische ggz",
    "53": "Kindergeneeskunde",
    "54": "Jeugd-ggz",
    "55": "Landelijk ingekochte zorg",
}

# Target-group attributes referrers filter on (code -> Dutch label).
TARGET_GROUPS = {
    "LVB": _l("LVB (licht verstandelijke beperking)"),
    "ASS": _l("ASS (autisme)"),
    "TRAUMA": _l("Trauma"),
    "EXTERNALISEREND": _l("Externaliserend gedrag"),
    "INTERNALISEREND": _l("Internaliserend gedrag"),
    "GGZ": _l("GGZ-problematiek"),
    "VERSLAVING": _l("Verslaving"),
    "SCHEIDING": _l("Complexe scheiding"),
    "HUISELIJK_GEWELD": _l("Huiselijk geweld"),
    "18PLUS": _l("18-/18+ overgang"),
    "BROERS_ZUSSEN": _l("Broers en zussen samen"),
    "SPOED": _l("Crisis / spoed"),
    "KLEINSCHALIG": _l("Kleinschalig"),
    "GESLOTEN": _l("Gesloten setting"),
}

INTAKE_STATUSES = {
    "open": _l("Aanmelding open"),
    "gesloten": _l("Aanmeldstop"),
    "overleg": _l("Alleen na overleg"),
}


class Region(db.Model):
    """A purchasing region (inkoopregio) with its own catalogue and policy figures."""

    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    compliance_target: Mapped[float] = mapped_column(Float, default=0.90)
    waiting_norm_weeks: Mapped[int] = mapped_column(Integer, default=14)
    # Set by the region's beheerder; empty means the installation's setting (REMINDER_FOLLOWUP_DAYS,
    # REMINDER_ESCALATE_DAYS, SEARCH_DEFAULT_MAX_KM).
    reminder_followup_days: Mapped[int | None] = mapped_column(Integer)
    reminder_escalate_days: Mapped[int | None] = mapped_column(Integer)
    search_default_km: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    municipalities: Mapped[list[Municipality]] = relationship(back_populates="region")
    products: Mapped[list[Product]] = relationship(back_populates="region")

    def __repr__(self) -> str:
        return f"<Region {self.name}>"


class Municipality(db.Model):
    """A municipality (gemeente), optionally a member of a region and one of its subregions."""

    __tablename__ = "municipality"
    id: Mapped[int] = mapped_column(primary_key=True)
    cbs_code: Mapped[str] = mapped_column(String(8), unique=True)  # e.g. "0794"
    name: Mapped[str] = mapped_column(String(120), index=True)
    province: Mapped[str | None] = mapped_column(String(60))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    subregion: Mapped[str | None] = mapped_column(String(120))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    region: Mapped[Region | None] = relationship(back_populates="municipalities")


class Woonplaats(db.Model):
    """A town or village (woonplaats) with a representative coordinate."""

    __tablename__ = "woonplaats"
    __table_args__ = (UniqueConstraint("name", "municipality_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), default="demo")

    municipality: Mapped[Municipality] = relationship()


class Pc4Area(db.Model):
    """A four-digit postcode area with its centroid."""

    __tablename__ = "pc4_area"
    pc4: Mapped[str] = mapped_column(String(4), primary_key=True)
    woonplaats: Mapped[str] = mapped_column(String(120))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), default="demo")

    municipality: Mapped[Municipality | None] = relationship()


class ClaimedMail:
    """The columns of a scheduled mail claimed before it is sent (services/mail_claims.py): a table
    with one row per recipient and day (its own unique key) and the status check `CLAIM_STATUS_CHECK`."""

    status: Mapped[str] = mapped_column(String(10))  # sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)


CLAIM_STATUS_CHECK = "status IN ('sending','sent','failed')"


class Product(db.Model):
    """A product of a region's catalogue, identified by (region, code)."""

    __tablename__ = "product"
    __table_args__ = (
        UniqueConstraint("region_id", "code"),
        CheckConstraint("segment BETWEEN 1 AND 5", name="segment_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(2))  # iJw category, first two digits of code
    segment: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(20))  # FormOfCare value
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    # A product in use is deactivated, never deleted: it leaves the catalogue a need is matched against.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    waiting_norm_weeks: Mapped[int | None] = mapped_column(Integer)  # empty: the region's norm

    region: Mapped[Region] = relationship(back_populates="products")

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def form_label(self) -> str:
        return FORM_LABELS.get(self.form, self.form)

    @property
    def segment_label(self) -> str:
        return SEGMENT_LABELS.get(self.segment, str(self.segment))


class Provider(db.Model):
    """A youth-care provider (aanbieder); may hold contracts in several regions."""

    __tablename__ = "provider"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    intake_email: Mapped[str | None] = mapped_column(String(254))
    intake_phone: Mapped[str | None] = mapped_column(String(40))
    crisis_phone: Mapped[str | None] = mapped_column(String(40))  # 24/7, required for crisis products
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the name or contact details last changed (stamped by every ORM or Core update).
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    locations: Mapped[list[Location]] = relationship(back_populates="provider", order_by="Location.name")
    contracts: Mapped[list[Contract]] = relationship(back_populates="provider")


class Location(db.Model):
    """A site where a provider delivers care."""

    __tablename__ = "location"
    # The search takes the locations inside a box around the child's home from this index.
    __table_args__ = (UniqueConstraint("provider_id", "name"), Index("ix_location_lat_lon", "lat", "lon"))
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(7))
    woonplaats: Mapped[str | None] = mapped_column(String(120))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="locations")
    municipality: Mapped[Municipality | None] = relationship()
    offerings: Mapped[list[Offering]] = relationship(back_populates="location")


class Contract(db.Model):
    """A provider contracted for a product in a region for a period; decides who is searched and nagged."""

    __tablename__ = "contract"
    __table_args__ = (UniqueConstraint("provider_id", "product_id", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)

    provider: Mapped[Provider] = relationship(back_populates="contracts")
    product: Mapped[Product] = relationship()
    region: Mapped[Region] = relationship()

    @hybrid_method
    def is_active(self, on: dt.date) -> bool:
        """The contract covers day `on` (both ends included; no end date: open-ended).

        The one definition of "contract active on a day": on an instance it answers in Python, on
        the class (``Contract.is_active(day)``) it is the same condition in SQL.
        """
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    @is_active.expression
    def is_active(cls, on: dt.date):
        return and_(cls.valid_from <= on, or_(cls.valid_until.is_(None), cls.valid_until >= on))


class Offering(db.Model):
    """A contracted product at a location with its current availability figures."""

    __tablename__ = "offering"
    __table_args__ = (
        UniqueConstraint("location_id", "product_id"),
        CheckConstraint("intake_status IN ('open','gesloten','overleg')", name="intake_status"),
        CheckConstraint("age_min >= 0 AND age_max <= 27 AND age_min <= age_max", name="age_range"),
        CheckConstraint("waiting_count IS NULL OR waiting_count >= 0", name="waiting_count"),
        CheckConstraint("realised_started IS NULL OR realised_started >= 0", name="realised_started"),
        CheckConstraint("realised_wait_weeks IS NULL OR realised_wait_weeks >= 0", name="realised_wait_weeks"),
        # Expected vs realised per product and per provider reads only these columns (contract/waiting.py).
        Index("ix_offering_practice_figures", "product_id", "provider_id", "waiting_weeks", "realised_started",
              "realised_wait_weeks", "waiting_count", "free_places"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    capacity: Mapped[int | None] = mapped_column(Integer)
    free_places: Mapped[int | None] = mapped_column(Integer)
    waiting_weeks: Mapped[int | None] = mapped_column(Integer)
    # What practice checks the expected wait against (counts and averages only, nothing about a child):
    # children registered and waiting to start (None: unknown), and the realised wait of the children
    # who started in the two full calendar months before the report (average weeks from registration
    # to start, and how many started; 0 started means "geen starts", with no average).
    waiting_count: Mapped[int | None] = mapped_column(Integer)
    realised_wait_weeks: Mapped[float | None] = mapped_column(Float)
    realised_started: Mapped[int | None] = mapped_column(Integer)
    realised_period_end: Mapped[dt.date | None] = mapped_column(Date)  # last day of the two months reported
    # Expected waits that differ per target group, stored as "ASS=20|LVB=30" (codes as in TARGET_GROUPS).
    group_waits_raw: Mapped[str] = mapped_column("group_waits", String(400), default="")
    intake_status: Mapped[str] = mapped_column(String(10), default="open")
    age_min: Mapped[int] = mapped_column(Integer, default=0)
    age_max: Mapped[int] = mapped_column(Integer, default=18)
    # Target-group codes stored as "|ASS|LVB|" so a LIKE '%|ASS|%' filter works on every backend.
    target_groups_raw: Mapped[str] = mapped_column("target_groups", String(400), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    updated_by: Mapped[str | None] = mapped_column(String(254))  # user e-mail, link or import label
    last_update_kind: Mapped[str | None] = mapped_column(String(10))  # update | confirm | import
    # When a figure last changed: its latest create/update history row (confirmations leave it).
    values_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    unusual_confirmed: Mapped[bool] = mapped_column(default=False)  # provider confirmed a flagged value
    stale: Mapped[bool] = mapped_column(default=False)  # set by the daily staleness job
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    provider: Mapped[Provider] = relationship()
    location: Mapped[Location] = relationship(back_populates="offerings")
    product: Mapped[Product] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @hybrid_method
    def is_stale(self, now: dt.datetime) -> bool:
        """Not updated or confirmed this month: `freshness.is_stale` on an instance.

        On the class (``Offering.is_stale(now)``) it is the SQL form of that one rule, for queries
        that count or filter in the database (compliance, data quality, waiting times, the daily
        flag); tests/services/test_freshness_sql.py checks that both forms agree on the same rows.
        """
        return freshness.is_stale(self.updated_at, now)

    @is_stale.expression
    def is_stale(cls, now: dt.datetime):
        return or_(cls.updated_at.is_(None), cls.updated_at < freshness.month_start(now))

    @property
    def target_groups(self) -> list[str]:
        return [g for g in self.target_groups_raw.split("|") if g]

    @target_groups.setter
    def target_groups(self, groups) -> None:
        codes = sorted({g.strip().upper() for g in groups if g and g.strip()})
        self.target_groups_raw = ("|" + "|".join(codes) + "|") if codes else ""

    @property
    def group_waits(self) -> dict[str, int]:
        """Expected weeks per target group where it differs from `waiting_weeks`, e.g. {"ASS": 20}."""
        waits = {}
        for part in self.group_waits_raw.split("|"):
            code, sep, weeks = part.partition("=")
            if sep and weeks.isdigit():
                waits[code] = int(weeks)
        return waits

    @group_waits.setter
    def group_waits(self, waits: dict[str, int]) -> None:
        self.group_waits_raw = "|".join(f"{code.strip().upper()}={int(weeks)}" for code, weeks in sorted(waits.items()))


class OfferingChange(db.Model):
    """Append-only history: one row per changed field, or one row for a 'no change' confirmation."""

    __tablename__ = "offering_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    author: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    via: Mapped[str] = mapped_column(String(20))  # form | link | import | api | system | demo
    kind: Mapped[str] = mapped_column(String(10))  # create | update | confirm
    field: Mapped[str | None] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(400))
    new_value: Mapped[str | None] = mapped_column(String(400))
    unusual_confirmed: Mapped[bool] = mapped_column(default=False)

    offering: Mapped[Offering] = relationship()


@event.listens_for(OfferingChange, "before_update")
@event.listens_for(OfferingChange, "before_delete")
def _history_is_append_only(mapper, connection, target):  # noqa: ARG001
    raise RuntimeError("offering_change is append-only")


ROLES = {
    "verwijzer": _l("Verwijzer"),
    "aanbieder": _l("Aanbieder"),
    "contractmanager": _l("Contractmanager"),
    "beheerder": _l("Beheerder"),
}

# iJw COD327 referrer codes for the referrer types a referrer account can have.
REFERRER_TYPES = {
    "01": "Gemeente (toegang / lokaal team)",
    "02": "Huisarts",
    "03": "Jeugdarts",
    "04": "Gecertificeerde instelling",
    "05": "Medisch specialist",
}


class User(db.Model):
    """A person who logs in: referrer, provider staff, contract manager or administrator."""

    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("role IN ('verwijzer','aanbieder','contractmanager','beheerder')", name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    referrer_type: Mapped[str | None] = mapped_column(String(2))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # An aanbieder user who may invite and deactivate colleagues of the same provider.
    is_org_admin: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # A contract manager or administrator who runs the region's gezinshuis coordination point.
    is_coordinator: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    invited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # last invitation sent
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of every session and remember-me cookie (see `get_id`): raising it ends them all.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    provider: Mapped[Provider | None] = relationship()
    region: Mapped[Region | None] = relationship()

    # When this login began and when it was last used (epoch seconds), and its random name: read from
    # the cookie by the user loader, written back into it by `get_id`. Not stored in the database.
    login_at = 0
    seen_at = 0
    login_id = ""

    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Store a salted hash; `method` is werkzeug's (e.g. "scrypt:65536:8:1", the PASSWORD_HASH_METHOD setting)."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The login ticket both cookies carry (Flask-Login's "alternative tokens"): id, session
        generation, login time and last use, so the user loader can refuse revoked and expired logins."""
        return sessions.Ticket(self.id, self.session_generation, self.login_at, self.seen_at, self.login_id).text()

    def end_all_sessions(self) -> None:
        """Every session and remember-me cookie of this user stops working (not committed)."""
        self.session_generation = (self.session_generation or 0) + 1

    @property
    def role_label(self) -> str:
        return str(ROLES[self.role]) if self.role in ROLES else self.role


@event.listens_for(User, "before_update")
def _end_sessions_on_security_change(mapper, connection, target: User) -> None:  # noqa: ARG001
    """A new password, role, provider or region, or deactivation, ends the user's sessions, whatever
    code path made the change (CLI, reset link, a later admin screen)."""
    state = sa_inspect(target)
    if any(state.attrs[name].history.has_changes() for name in sessions.SESSION_ENDING_FIELDS):
        if not state.attrs.session_generation.history.has_changes():
            target.end_all_sessions()
