"""CSV import and export of the register: a bad file saves nothing, a good one twice changes nothing once."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    Contract,
    Location,
    Offering,
    OfferingChange,
    Product,
    Provider,
    Region,
)
from beschikbaarheid.register_io import ImportFailed, export_offerings, import_offerings, import_products, parsing
from beschikbaarheid.services.offerings import apply_update
from tests import factories
from tests.helpers import DATA

REGION = "Testregio"
NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
AMS = parsing.TZ


# -- helpers -------------------------------------------------------------------------------------


def _snapshot() -> list[tuple]:
    """Every offering's figures, stamp and version, to prove a re-import touched nothing."""
    rows = db.session.scalars(sa.select(Offering).order_by(Offering.id)).all()
    return [(o.id, o.capacity, o.free_places, o.waiting_weeks, o.intake_status, o.age_min, o.age_max,
             o.target_groups_raw, o.updated_at, o.updated_by, o.last_update_kind, o.version) for o in rows]


def _setup(app, runner, with_offerings: bool = True) -> None:
    with app.app_context():
        factories.register_places()
    result = runner.invoke(args=["import", "products", "--region", REGION, str(DATA / "products.csv")])
    assert result.exit_code == 0, result.output
    if with_offerings:
        result = runner.invoke(args=["import", "offerings", "--region", REGION, str(DATA / "offerings.csv")])
        assert result.exit_code == 0, result.output


def _offering(provider: str, location: str, code: str) -> Offering:
    return db.session.scalar(
        sa.select(Offering).join(Location).join(Provider, Offering.provider_id == Provider.id).join(Product)
        .where(Provider.name == provider, Location.name == location, Product.code == code)
    )


# -- pure parsing (no app, no database) ----------------------------------------------------------


def test_delimiter_is_detected_from_the_header():
    assert parsing.detect_delimiter("a;b;c\n1,5;2;3") == ";"
    assert parsing.detect_delimiter("a,b,c\n1;2;3") == ","


def test_bom_and_semicolons_give_the_same_rows_as_commas():
    plain = parsing.parse_products((DATA / "products.csv").read_bytes())
    excel = parsing.parse_products((DATA / "products_semicolon_bom.csv").read_bytes())
    assert not plain.errors and not excel.errors
    assert excel.delimiter == ";" and plain.delimiter == ","
    strip = lambda rows: [(r.code, r.name, r.category, r.segment, r.form, r.keywords) for r in rows]  # noqa: E731
    assert strip(excel.rows) == strip(plain.rows)


def test_header_problems_are_reported_on_line_1():
    parsed = parsing.parse_products("code,naam,kleur,segment\n43A10,Gezinshuis,rood,2\n")
    messages = [str(e) for e in parsed.errors]
    assert any(m.startswith("regel 1: onbekende kolom 'kleur'") for m in messages)
    assert any("verplichte kolom 'vorm' ontbreekt" in m for m in messages)
    assert parsed.rows == []


def test_line_numbers_count_file_lines_including_quoted_newlines():
    text = 'code,naam,segment,vorm\n43A10,"Gezinshuis\nmet zorg",2,wonen\n\n43A14,Woongroep,7,wonen\n'
    parsed = parsing.parse_products(text)
    assert [e.line for e in parsed.errors] == [5]
    assert "segment '7'" in parsed.errors[0].message


def test_product_rules():
    parsed = parsing.parse_products(
        "code,naam,categorie,segment,vorm\n43A10,Gezinshuis,44,2,wonen\n99A10,X,,2,wonen\n43A14,Woongroep,,2,logeren\n43A10,Dubbel,,2,wonen\n"
    )
    by_line = {e.line: e.message for e in parsed.errors}
    assert "niet gelijk aan de eerste twee cijfers" in by_line[2]
    assert "iJw-categorie" in by_line[3]
    assert "vorm 'logeren'" in by_line[4]
    assert set(by_line) == {2, 3, 4}  # line 5 duplicates a code whose own line was refused


def test_offering_cells_are_checked_with_dutch_reasons():
    header = ",".join(parsing.OFFERING_COLUMNS[:18])  # a file without the optional wait-figure columns
    text = header + "\nA,mail@,1,L,,1234ab,,51.5,5.5,43A10,x,-1,3,19,18,ass|x,dicht,2024-13-01\n"
    parsed = parsing.parse_offerings(text, now=NOW)
    messages = " ".join(e.message for e in parsed.errors)
    for part in ("e-mailadres 'mail@'", "telefoonnummer '1'", "capaciteit 'x' is geen geheel getal",
                 "vrije plekken mag niet negatief", "onbekende doelgroep 'X'", "aanmelding 'dicht'",
                 "laatst_bijgewerkt '2024-13-01'", "leeftijd min (19) is hoger"):
        assert part in messages
    assert {e.line for e in parsed.errors} == {2}


def test_timestamps_naive_means_amsterdam_and_future_is_refused():
    summer = parsing.parse_timestamp("2024-05-01T10:00", NOW)
    assert summer == dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.timezone.utc)
    assert parsing.parse_timestamp("1-2-2024", NOW) == dt.datetime(2024, 1, 31, 23, 0, tzinfo=dt.timezone.utc)
    assert parsing.parse_timestamp("2024-05-01T10:00:00Z", NOW).hour == 10
    with pytest.raises(ValueError, match="toekomst"):
        parsing.parse_timestamp("2024-06-02", NOW)


def test_postcodes_are_normalised():
    assert parsing.parse_postcode("5701ab") == "5701 AB"
    assert parsing.parse_postcode("5701") == "5701"
    with pytest.raises(ValueError):
        parsing.parse_postcode("0123 AB")


def test_non_utf8_file_is_refused_with_its_line():
    with pytest.raises(ImportFailed) as failed:
        parsing.parse_products("code,naam,segment,vorm\n43A10,Caf\xe9,2,wonen\n".encode("latin-1"))
    assert failed.value.errors[0].line == 2 and "UTF-8" in failed.value.errors[0].message


# -- products ------------------------------------------------------------------------------------


def test_product_import_creates_the_region_and_upserts(app, runner):
    result = runner.invoke(args=["import", "products", "--region", REGION, str(DATA / "products.csv")])
    assert result.exit_code == 0, result.output
    assert "5 producten nieuw" in result.output
    with app.app_context():
        region = db.session.scalar(sa.select(Region).where(Region.name == REGION))
        products = {p.code: p for p in region.products}
        assert products["43A10"].name == "Gezinshuis" and products["43A10"].category == "43"
        assert products["46A01"].segment == 5 and products["46A01"].form == "crisis"
    # The same catalogue with ';', a BOM, CRLF, other column order and lower case: nothing changes.
    result = runner.invoke(args=["import", "products", "--region", "testregio", str(DATA / "products_semicolon_bom.csv")])
    assert result.exit_code == 0, result.output
    assert "5 producten ongewijzigd" in result.output and "nieuw" not in result.output
    with app.app_context():
        assert factories.register_counts()["region"] == 1 and factories.register_counts()["product"] == 5
        summary = import_products(REGION, "code,naam,segment,vorm\n43A10,Gezinshuis (nieuw),2,wonen\n")
        assert summary.counts["products_updated"] == 1
        product = db.session.scalar(sa.select(Product).where(Product.code == "43A10"))
        assert product.name == "Gezinshuis (nieuw)" and product.keywords == "gezinshuis gezinshuisouders"


def test_bad_product_file_saves_nothing(app, runner, tmp_path):
    bad = tmp_path / "producten.csv"
    bad.write_text("code,naam,segment,vorm\n43A10,Gezinshuis,2,wonen\n43A14,,9,wonen\n", encoding="utf-8")
    result = runner.invoke(args=["import", "products", "--region", REGION, str(bad)])
    assert result.exit_code != 0
    assert "regel 3: naam is leeg." in result.output and "regel 3: segment '9'" in result.output
    with app.app_context():
        assert factories.register_counts()["region"] == 0 and factories.register_counts()["product"] == 0


# -- offerings -----------------------------------------------------------------------------------


def test_offering_import_creates_providers_locations_contracts_and_history(app, runner):
    _setup(app, runner, with_offerings=False)
    result = runner.invoke(args=["import", "offerings", "--region", REGION, str(DATA / "offerings.csv")])
    assert result.exit_code == 0, result.output
    assert "2 aanbieders nieuw" in result.output and "4 aanbod nieuw" in result.output
    with app.app_context():
        counts = factories.register_counts()
        assert (counts["provider"], counts["location"], counts["contract"], counts["offering"]) == (2, 3, 4, 4)

        linde = db.session.scalar(sa.select(Provider).where(Provider.name == "Stichting De Linde (fictief)"))
        assert linde.intake_email == "intake@delinde.example" and linde.intake_phone == "0492-111111"

        house = _offering("Stichting De Linde (fictief)", "Huize Linde", "43A10")
        assert (house.capacity, house.free_places, house.waiting_weeks, house.age_max) == (6, 1, 12, 21)
        assert house.target_groups == ["ASS", "TRAUMA"] and house.intake_status == "open"
        assert house.updated_at == dt.datetime(2024, 3, 1, tzinfo=AMS)
        assert house.updated_by == "import:offerings.csv" and house.last_update_kind == "import"
        assert house.stale  # March data is not from this month
        assert house.location.postcode == "5701 AB" and house.location.lat == 51.4801  # file coordinates win
        assert house.location.municipality.name == "Helmond"  # from the postcode
        assert _offering("Stichting De Linde (fictief)", "Huize Linde", "43A14").updated_at == dt.datetime(2024, 3, 1, 10, 30, tzinfo=AMS)

        history = db.session.scalars(sa.select(OfferingChange).where(OfferingChange.offering_id == house.id)).all()
        assert {h.field for h in history} >= {"capacity", "free_places", "waiting_weeks", "target_groups"}
        assert {(h.via, h.kind, h.author) for h in history} == {("import", "create", "import:offerings.csv")}

        contract = db.session.scalar(sa.select(Contract).where(Contract.provider_id == linde.id, Contract.product_id == house.product_id))
        assert contract.valid_from == dt.date(2024, 3, 1) and contract.valid_until is None
        ambulant = _offering("Stichting De Linde (fictief)", "Ambulant team", "45A48")
        ambulant_contract = db.session.scalar(sa.select(Contract).where(Contract.product_id == ambulant.product_id))
        assert ambulant_contract.valid_from == dt.datetime.now(AMS).date()  # no date in the file: today


def test_empty_coordinates_are_resolved_by_postcode_and_woonplaats(app, runner):
    _setup(app, runner)
    with app.app_context():
        by_pc4 = _offering("Stichting De Linde (fictief)", "Ambulant team", "45A48").location
        assert (by_pc4.lat, by_pc4.lon) == (51.4700, 5.6700) and by_pc4.municipality.cbs_code == "0794"
        by_town = _offering("Zorgkracht Peel (fictief)", "Gezinshuis Bakel", "43A10").location
        assert (by_town.lat, by_town.lon) == (51.4639, 5.7972) and by_town.municipality.name == "Deurne"
        assert by_town.street == "Dorpsstraat 5, achterom"


def test_bad_file_reports_every_bad_line_and_saves_nothing(app, runner):
    _setup(app, runner, with_offerings=False)
    with app.app_context():
        before = factories.register_counts()
    result = runner.invoke(args=["import", "offerings", "--region", REGION, str(DATA / "offerings_bad.csv")])
    assert result.exit_code != 0
    out = result.output
    expected = {
        3: "productcode '99X99' staat niet in de productcatalogus",
        4: "vrije plekken (5) is meer dan de capaciteit (2)",
        5: "e-mailadres 'geen-email' is ongeldig",
        6: "aanmelding 'dicht' is ongeldig",
        7: "ligt in de toekomst",
        8: "woonplaats 'Helmd' niet gevonden",
        9: "vul lat en lon allebei in",
    }
    for line, message in expected.items():
        assert any(row.startswith(f"regel {line}: ") and message in row for row in out.splitlines()), (line, out)
    assert "regel 6: onbekende doelgroep 'ONBEKEND'" in out
    assert "regel 9: leeftijd max 30 is hoger dan 27" in out
    assert "regel 2:" not in out  # the good line is not blamed
    assert "Niets geïmporteerd" in out and "7 regel(s)" in out
    with app.app_context():
        assert factories.register_counts() == before


def test_unknown_place_error_suggests_the_nearest_name(app, runner):
    _setup(app, runner, with_offerings=False)
    with app.app_context():
        text = "aanbieder,locatie,woonplaats,productcode,capaciteit,vrije_plekken,wachttijd_weken,aanmelding\nA,B,Helmd,43A10,1,1,1,open\nA,C,,43A10,1,1,1,open\n"
        with pytest.raises(ImportFailed) as failed:
            import_offerings(REGION, text, source="t.csv")
        errors = {e.line: e.message for e in failed.value.errors}
        assert "bedoelde u Helmond?" in errors[2] and "vul lat en lon in" in errors[2]
        assert "geen plaats" in errors[3]
        with pytest.raises(ImportFailed) as failed:
            import_offerings(REGION, text.replace("Helmd", "5799").replace("woonplaats", "postcode"), source="t.csv")
        assert "postcode '5799' niet gevonden" in failed.value.errors[0].message and "5702 Helmond" in failed.value.errors[0].message


def test_semicolon_bom_file_is_the_same_register(app, runner):
    _setup(app, runner)
    with app.app_context():
        before, snapshot = factories.register_counts(), _snapshot()
    result = runner.invoke(args=["import", "offerings", "--region", REGION, str(DATA / "offerings_semicolon_bom.csv")])
    assert result.exit_code == 0, result.output
    assert "4 aanbod ongewijzigd" in result.output
    with app.app_context():
        assert factories.register_counts() == before and _snapshot() == snapshot


def test_reimport_changes_nothing(app, runner):
    _setup(app, runner)
    with app.app_context():
        before, snapshot = factories.register_counts(), _snapshot()
    result = runner.invoke(args=["import", "offerings", "--region", REGION, str(DATA / "offerings.csv")])
    assert result.exit_code == 0, result.output
    assert "4 aanbod ongewijzigd" in result.output and "nieuw" not in result.output and "gewijzigd," not in result.output
    with app.app_context():
        assert factories.register_counts() == before and _snapshot() == snapshot


def test_changed_values_update_through_the_history(app, runner):
    _setup(app, runner)
    with app.app_context():
        text = (DATA / "offerings.csv").read_text(encoding="utf-8").replace(",6,1,12,0,21,", ",6,0,14,0,21,")
        summary = import_offerings(REGION, text, source="april.csv", now=NOW)
        assert summary.counts["offerings_updated"] == 1 and summary.counts["offerings_unchanged"] == 3
        house = _offering("Stichting De Linde (fictief)", "Huize Linde", "43A10")
        assert (house.free_places, house.waiting_weeks) == (0, 14)
        changes = db.session.scalars(sa.select(OfferingChange).where(OfferingChange.offering_id == house.id, OfferingChange.kind == "update")).all()
        assert {(c.field, c.old_value, c.new_value, c.via, c.author) for c in changes} == {
            ("free_places", "1", "0", "import", "import:april.csv"), ("waiting_weeks", "12", "14", "import", "import:april.csv"),
        }
        # The file still says 2024-03-01, which is when the change is stamped.
        assert house.updated_at == dt.datetime(2024, 3, 1, tzinfo=AMS)


def test_newer_date_with_equal_values_is_a_confirmation(app, runner):
    _setup(app, runner)
    with app.app_context():
        text = (DATA / "offerings.csv").read_text(encoding="utf-8").replace("2024-03-01T10:30", "2024-05-20T08:00")
        summary = import_offerings(REGION, text, source="mei.csv", now=NOW)
        assert summary.counts["offerings_confirmed"] == 1 and summary.counts["offerings_unchanged"] == 3
        group = _offering("Stichting De Linde (fictief)", "Huize Linde", "43A14")
        assert group.last_update_kind == "confirm" and group.updated_at == dt.datetime(2024, 5, 20, 8, 0, tzinfo=AMS)
        kinds = db.session.scalars(sa.select(OfferingChange.kind).where(OfferingChange.offering_id == group.id)).all()
        assert kinds.count("confirm") == 1
        # Importing the same newer file again confirms nothing twice.
        again = import_offerings(REGION, text, source="mei.csv", now=NOW)
        assert again.counts["offerings_confirmed"] == 0 and not again.changed


def test_older_file_does_not_overwrite_a_newer_provider_update(app, runner):
    _setup(app, runner)
    with app.app_context():
        house = _offering("Stichting De Linde (fictief)", "Huize Linde", "43A10")
        apply_update(house, {"waiting_weeks": 3}, author="planner@delinde.example", via="form", now=dt.datetime(2024, 4, 1, tzinfo=dt.timezone.utc))
        db.session.commit()
        text = (DATA / "offerings.csv").read_text(encoding="utf-8").replace(",6,1,12,0,21,", ",6,1,40,0,21,")
        summary = import_offerings(REGION, text, source="oud.csv", now=NOW)
        assert summary.counts["offerings_skipped"] == 1
        assert any(w.line == 2 and "register is nieuwer" in w.message for w in summary.warnings)
        assert _offering("Stichting De Linde (fictief)", "Huize Linde", "43A10").waiting_weeks == 3


def test_dry_run_checks_but_saves_nothing(app, runner):
    _setup(app, runner, with_offerings=False)
    with app.app_context():
        before = factories.register_counts()
    result = runner.invoke(args=["import", "offerings", "--dry-run", "--region", REGION, str(DATA / "offerings.csv")])
    assert result.exit_code == 0, result.output
    assert "Controle geslaagd, niets opgeslagen" in result.output and "4 aanbod nieuw" in result.output
    with app.app_context():
        assert factories.register_counts() == before


def test_duplicate_and_conflicting_rows_are_refused(app, runner):
    _setup(app, runner, with_offerings=False)
    with app.app_context():
        text = (
            "aanbieder,aanbieder_email,locatie,postcode,productcode,capaciteit,vrije_plekken,wachttijd_weken,aanmelding\n"
            "A,a@a.nl,L,5701,43A10,1,1,1,open\n"
            "a ,a@a.nl,l,5701,43A10,1,1,1,open\n"
            "A,b@a.nl,L,5702,43A14,1,1,1,open\n"
        )
        with pytest.raises(ImportFailed) as failed:
            import_offerings(REGION, text, source="t.csv")
        messages = [str(e) for e in failed.value.errors]
        assert "regel 3: aanbieder, locatie en productcode staan ook al in regel 2." in messages
        assert "regel 4: ander e-mailadres voor aanbieder 'A' dan in regel 2." in messages
        assert "regel 4: andere postcode voor locatie 'L' dan in regel 2." in messages


def test_a_deactivated_product_gets_no_new_offering_or_contract_but_its_running_offerings_update(app, runner):
    _setup(app, runner)
    with app.app_context():
        for product in db.session.scalars(sa.select(Product)):
            product.active = False  # the region stopped buying these
        db.session.commit()
        before = factories.register_counts()
        new_row = (
            "aanbieder,aanbieder_email,locatie,postcode,productcode,capaciteit,vrije_plekken,wachttijd_weken,aanmelding\n"
            "Nieuwe Aanbieder,n@a.nl,Hoofdlocatie,5701,43A10,4,1,2,open\n"
        )
        with pytest.raises(ImportFailed) as failed:
            import_offerings(REGION, new_row, source="t.csv")
        assert [str(e) for e in failed.value.errors] == [
            "regel 2: product 43A10 Gezinshuis is gedeactiveerd en krijgt geen nieuw aanbod of contract. "
            "Activeer het eerst in de productcatalogus, of haal de regel weg."]
        assert factories.register_counts() == before
    # The register's own offerings, under contracts that still run, import as before (a re-import changes nothing).
    result = runner.invoke(args=["import", "offerings", "--region", REGION, str(DATA / "offerings.csv")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert factories.register_counts() == before
        # One of them ended: the file would contract it again, which a deactivated product no longer gets.
        ended = db.session.scalars(sa.select(Contract).order_by(Contract.id)).first()
        ended.valid_until = dt.date(2024, 1, 31)
        db.session.commit()
        with pytest.raises(ImportFailed) as failed:
            import_offerings(REGION, (DATA / "offerings.csv").read_bytes(), source="offerings.csv")
        assert len(failed.value.errors) >= 1 and all("is gedeactiveerd" in str(e) for e in failed.value.errors)
        assert factories.register_counts() == before


def test_offerings_into_unknown_region_or_without_catalogue_fail_in_dutch(app, runner):
    result = runner.invoke(args=["import", "offerings", "--region", "Nergens", str(DATA / "offerings.csv")])
    assert result.exit_code != 0 and "Regio 'Nergens' bestaat niet" in result.output
    with app.app_context():
        factories.region("Lege regio")
        db.session.commit()
    result = runner.invoke(args=["import", "offerings", "--region", "Lege regio", str(DATA / "offerings.csv")])
    assert result.exit_code != 0 and "heeft nog geen producten" in result.output


def test_missing_file_is_a_clear_error(runner):
    result = runner.invoke(args=["import", "offerings", "--region", REGION, "/geen/bestand.csv"])
    assert result.exit_code != 0 and "Bestand '/geen/bestand.csv' bestaat niet." in result.output


# -- export --------------------------------------------------------------------------------------


def test_export_round_trips_without_changes(app, runner, tmp_path):
    _setup(app, runner)
    with app.app_context():
        # An offering not made by an import, with the factories' defaults, round-trips too.
        loc = factories.location(factories.provider("Handmatig BV (fictief)"), postcode="5701", lat=51.47931234, lon=5.65701234)
        factories.offering(loc, db.session.scalar(sa.select(Product).where(Product.code == "46A01")), target_groups=["SPOED"])
        db.session.commit()
        before, snapshot = factories.register_counts(), _snapshot()
    out = tmp_path / "aanbod.csv"
    result = runner.invoke(args=["export", "offerings", "--region", REGION, str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == ",".join(parsing.OFFERING_COLUMNS)
    assert len(text.splitlines()) == 6
    assert "Stichting De Linde (fictief),intake@delinde.example,0492-111111,Huize Linde,Lindelaan 1,5701 AB,Helmond,51.4801,5.6602,43A10,6,1,12,0,21,ASS|TRAUMA,open,2024-03-01T00:00:00+01:00" in text
    result = runner.invoke(args=["import", "offerings", "--region", REGION, str(out)])
    assert result.exit_code == 0, result.output
    assert "5 aanbod ongewijzigd" in result.output
    with app.app_context():
        assert factories.register_counts() == before and _snapshot() == snapshot
        assert export_offerings(db.session.scalar(sa.select(Region))) == text


def test_export_products_round_trips(app, runner, tmp_path):
    _setup(app, runner, with_offerings=False)
    out = tmp_path / "producten.csv"
    result = runner.invoke(args=["export", "products", "--region", REGION, str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines()[1] == "43A09,Pleegzorg,43,2,wonen,pleeggezin"
    result = runner.invoke(args=["import", "products", "--region", REGION, str(out)])
    assert result.exit_code == 0 and "5 producten ongewijzigd" in result.output


def test_export_of_unknown_region_fails_in_dutch(app, runner, tmp_path):
    with app.app_context():
        factories.region("Een 10 voor de Jeugd")
        db.session.commit()
    result = runner.invoke(args=["export", "offerings", "--region", "Onbekend", str(tmp_path / "x.csv")])
    assert result.exit_code != 0
    assert "Regio 'Onbekend' bestaat niet. Bekende regio's: Een 10 voor de Jeugd." in result.output
    assert not (tmp_path / "x.csv").exists()


def test_concurrent_change_is_a_retry_message_not_a_crash(app, runner, monkeypatch):
    _setup(app, runner, with_offerings=False)
    with app.app_context():
        before = factories.register_counts()

        def collide():
            raise sa.exc.IntegrityError("INSERT", {}, Exception("unique"))

        monkeypatch.setattr(db.session, "commit", collide)
        with pytest.raises(ImportFailed, match="tegelijk"):
            import_offerings(REGION, (DATA / "offerings.csv").read_bytes(), source="t.csv")
        monkeypatch.undo()
        assert factories.register_counts() == before


def test_typo_is_corrected_with_a_warning_and_known_locations_need_no_address(app, runner):
    _setup(app, runner)
    with app.app_context():
        house = _offering("Stichting De Linde (fictief)", "Huize Linde", "43A10").location
        text = (
            "aanbieder,locatie,woonplaats,productcode,capaciteit,vrije_plekken,wachttijd_weken,aanmelding\n"
            "Stichting De Linde (fictief),Huize Linde,,46A01,2,2,0,open\n"
            "Stichting De Linde (fictief),Nieuwe plek,Helmnd,46A01,2,2,0,open\n"
        )
        summary = import_offerings(REGION, text, source="t.csv", now=NOW)
        assert summary.counts["locations_created"] == 1 and not summary.counts["locations_updated"]
        assert [(w.line, w.message) for w in summary.warnings] == [(3, "woonplaats 'Helmnd' gelezen als 'Helmond'.")]
        assert (house.lat, house.lon) == (51.4801, 5.6602)  # kept, not moved to a centroid
        assert db.session.scalar(sa.select(Location).where(Location.name == "Nieuwe plek")).lat == 51.4793


# -- the wait-figure columns (issue 15) ----------------------------------------------------------

WAIT_COLUMNS = "wachtenden,gerealiseerde_wachttijd_weken,gestart_aantal,wachttijd_doelgroepen"


def _with_wait_columns(cells_by_line: dict[int, str]) -> str:
    """offerings.csv with the four optional columns; `cells_by_line` fills them per data line (1 = first)."""
    lines = (DATA / "offerings.csv").read_text(encoding="utf-8").splitlines()
    out = [lines[0] + "," + WAIT_COLUMNS]
    out += [line + "," + cells_by_line.get(i, ",,,") for i, line in enumerate(lines[1:], start=1)]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("cells, message", [
    ("-2,,,", "wachtenden mag niet negatief zijn (-2)"),
    ("3,7.55,4,", "hoogstens één cijfer achter de komma"),
    ("3,-1,4,", "gerealiseerde wachttijd '-1': dit getal kan niet negatief zijn"),
    ("3,,4,", "vul de gemiddelde gerealiseerde wachttijd in van de 4 gestarte jeugdigen"),
    ("3,7.5,,", "vul ook in hoeveel jeugdigen gestart zijn"),
    ("3,7.5,0,", "bij 0 gestarte jeugdigen (geen starts) is er geen gemiddelde wachttijd"),
    ("3,,,ASS=20|XYZ=3", "Onbekende doelgroep: XYZ."),
    ("3,,,ASS=twintig", "'ASS=twintig' is geen doelgroep met wachttijd"),
    ("3,,,ASS=200", "meer dan 156 weken kan niet kloppen (ASS)"),
])
def test_wait_figure_cells_are_checked_per_line(cells, message):
    parsed = parsing.parse_offerings(_with_wait_columns({2: cells}), now=NOW)
    assert [(e.line, message in e.message) for e in parsed.errors] == [(3, True)], parsed.errors
    assert len(parsed.rows) == 3


def test_wait_figures_import_with_history_and_the_period_before_the_report(app, runner):
    _setup(app, runner)
    with app.app_context():
        # Huize Linde 43A10 serves ASS and TRAUMA; its row is dated 2024-03-01.
        summary = import_offerings(REGION, _with_wait_columns({1: "5,14.5,3,ASS=30"}), source="wacht.csv", now=NOW)
        assert summary.counts["offerings_updated"] == 1 and summary.counts["offerings_unchanged"] == 3
        house = _offering("Stichting De Linde (fictief)", "Huize Linde", "43A10")
        assert (house.waiting_count, house.realised_wait_weeks, house.realised_started, house.group_waits) == (5, 14.5, 3, {"ASS": 30})
        assert house.realised_period_end == dt.date(2024, 2, 29)  # reported 1 March: January and February 2024
        changes = db.session.scalars(sa.select(OfferingChange).where(OfferingChange.offering_id == house.id, OfferingChange.kind == "update")).all()
        assert {(c.field, c.new_value) for c in changes} == {
            ("waiting_count", "5"), ("realised_wait_weeks", "14.5"), ("realised_started", "3"), ("group_waits", "ASS=30"),
            ("realised_period_end", "2024-02-29"),
        }


def test_wait_for_a_group_the_offering_does_not_serve_is_refused(app, runner):
    _setup(app, runner)
    with app.app_context():
        with pytest.raises(ImportFailed) as failed:
            import_offerings(REGION, _with_wait_columns({1: ",,,LVB=30"}), source="wacht.csv", now=NOW)
        assert [e.line for e in failed.value.errors] == [2]
        assert "alleen voor een doelgroep waar het aanbod mee werkt: LVB" in failed.value.errors[0].message
        assert _offering("Stichting De Linde (fictief)", "Huize Linde", "43A10").group_waits == {}


def test_export_with_wait_figures_round_trips_byte_identical(app, runner, tmp_path):
    _setup(app, runner)
    with app.app_context():
        import_offerings(REGION, _with_wait_columns({1: "5,14.5,3,TRAUMA=8|ASS=30", 2: "0,,0,"}), source="wacht.csv", now=NOW)
        db.session.commit()
        snapshot = [(o.id, o.waiting_count, o.realised_wait_weeks, o.realised_started, o.group_waits_raw, o.version)
                    for o in db.session.scalars(sa.select(Offering).order_by(Offering.id))]
    out = tmp_path / "aanbod.csv"
    assert runner.invoke(args=["export", "offerings", "--region", REGION, str(out)]).exit_code == 0
    text = out.read_bytes().decode("utf-8")
    assert text.splitlines()[0].endswith("," + WAIT_COLUMNS)
    assert ",ASS|TRAUMA,open,2024-03-01T00:00:00+01:00,5,14.5,3,ASS=30|TRAUMA=8\r\n" in text
    assert ",gesloten,2024-03-01T10:30:00+01:00,0,,0,\r\n" in text
    result = runner.invoke(args=["import", "offerings", "--region", REGION, str(out)])
    assert result.exit_code == 0 and "4 aanbod ongewijzigd" in result.output, result.output
    with app.app_context():
        assert [(o.id, o.waiting_count, o.realised_wait_weeks, o.realised_started, o.group_waits_raw, o.version)
                for o in db.session.scalars(sa.select(Offering).order_by(Offering.id))] == snapshot
        assert export_offerings(db.session.scalar(sa.select(Region))) == text
