"""The digitisation indicators on a fixture of known dossiers, every count and rate computed by
hand: complete, missing a component, unsigned, without data, reused, never received, resolved
with and without its result; sub-units rolled up; the naive count's overstatement. Counted by
the catalogue's tally on both databases, as the report is."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pipeline.api.reports import digitisation_report, listed
from pipeline.indicators import DossierFacts, not_digitised, parent_agency, points
from pipeline.records import DossierRecord, Manifest
from pipeline.settings import Settings
from storage import tally

RECORDED = Path(__file__).parent / "data" / "contracts"
WEIGHTS = {"dossier_rate": 10.0, "result_rate": 8.0, "reuse_rate": 4.0}
PROVINCE, UNIT, SUB = "000.00.00.H56", "000.00.06.H56", "000.01.06.H56"


def _record(name: str, **changes) -> DossierRecord:
    data = json.loads((RECORDED / f"{name}.json").read_text())
    return DossierRecord.model_validate(data).model_copy(update=changes)


def _fixture() -> list[DossierFacts]:
    complete = Manifest.model_validate(json.loads((RECORDED / "manifest.json").read_text())
                                       ).result  # both components, signed, coded, a result
    missing = _record("digitise")  # the ID copy missing
    unsigned = complete.model_copy(update={"documents": [
        complete.documents[0].model_copy(update={"signer": ""}), *complete.documents[1:]]})
    no_owner = complete.model_copy(update={"owner_id": None})
    day = date(2023, 10, 27)
    return [
        DossierFacts("a", UNIT, "2.000488", day, complete, returns_result=True,
                     resolved_on=date(2023, 11, 2)),
        DossierFacts("b", UNIT, "2.000488", day, missing),
        DossierFacts("c", SUB, "2.000488", day, missing, reused_components=("GIAY_TO_TUY_THAN",),
                     returns_result=True, resolved_on=date(2023, 11, 3)),  # reused: present
        DossierFacts("d", SUB, "1.001193", day, unsigned),
        DossierFacts("e", SUB, "1.001193", day, no_owner),
        DossierFacts("f", UNIT, "1.001193", day, None),  # declared, no file ever came
        DossierFacts("g", UNIT, "2.000488", date(2023, 12, 1), complete),  # another month
    ]


def _report(catalogue, start: date, end: date, by: str) -> list[dict]:
    """The fixture's report, as ``sohoa report`` makes it from the catalogue's tally."""
    with catalogue.writing() as session:
        tally.store(session, _fixture())
    settings = Settings(indicator_weights=WEIGHTS, indicator_full_marks=80.0)
    return digitisation_report(catalogue, settings, start, end, by)["units"]


def test_each_dossier_is_digitised_or_names_the_rule_it_missed():
    assert [not_digitised(f) for f in _fixture()] == [
        None, "missing_component", None, "unsigned", "no_data", "not_received", None]


def test_counts_and_rates_by_agency_roll_sub_units_up_to_their_parents(catalogue):
    assert parent_agency(SUB) == UNIT and parent_agency(UNIT) == PROVINCE
    assert parent_agency(PROVINCE) is None
    rows = {r["unit"]: r for r in _report(catalogue, date(2023, 10, 1), date(2023, 11, 30),
                                          "agency")}
    assert set(rows) == {PROVINCE, UNIT, SUB}
    sub, unit = rows[SUB], rows[UNIT]
    assert (sub["received"], sub["digitised"], sub["dossier_rate"]) == (3, 1, 33.33)
    assert sub["not_digitised_reasons"] == {"unsigned": 1, "no_data": 1}
    assert (sub["naive_digitised"], sub["naive_dossier_rate"]) == (3, 100.0)  # the overstatement
    assert (sub["reused"], sub["reuse_rate"]) == (1, 33.33)
    assert (sub["resolved"], sub["results_required"], sub["with_result"]) == (1, 1, 0)
    assert sub["result_rate"] == 0.0
    assert (unit["received"], unit["digitised"], unit["dossier_rate"]) == (6, 2, 33.33)
    assert unit["not_digitised_reasons"] == {"missing_component": 1, "unsigned": 1,
                                             "no_data": 1, "not_received": 1}
    assert (unit["naive_digitised"], unit["naive_dossier_rate"]) == (5, 83.33)
    assert (unit["results_required"], unit["with_result"], unit["result_rate"]) == (2, 1, 50.0)
    assert rows[PROVINCE]["received"] == 6  # "g" falls outside the period
    # points: dossier 10 × 33.33/80, result 8 × 50/80, reuse 4 × 16.67/80
    assert unit["points"] == round(10 * 33.33 / 80 + 8 * 50 / 80 + 4 * 16.67 / 80, 2)


def test_by_procedure_and_month_and_rates_over_nothing_are_not_applicable(catalogue):
    by_month = {r["unit"]: r for r in _report(catalogue, date(2023, 1, 1), date(2023, 12, 31),
                                              "month")}
    assert (by_month["2023-12"]["received"], by_month["2023-12"]["dossier_rate"]) == (1, 100.0)
    assert by_month["2023-12"]["result_rate"] is None  # nothing resolved that month
    settings = Settings(indicator_weights=WEIGHTS, indicator_full_marks=80.0)
    by_procedure = {r["unit"]: r for r in digitisation_report(
        catalogue, settings, date(2023, 10, 1), date(2023, 10, 31), "procedure")["units"]}
    assert by_procedure["1.001193"]["digitised"] == 0 and by_procedure["2.000488"]["digitised"] == 2
    assert points({"dossier_rate": 90.0, "result_rate": None, "reuse_rate": 40.0}, WEIGHTS,
                  80.0) == round(22 * (10 * 1.0 + 4 * 0.5) / 14, 2)
    assert points({"dossier_rate": None}, {"dossier_rate": 10.0}, 80.0) is None


def test_report_command_over_the_archive(archive):
    """``sohoa report --json`` reads the archive's records (its output checked against the
    published contract by the suite's hook); a grouping it does not know is refused."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["report", "--from", "2023-01-01", "--to", "2023-12-31", "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert (out["from"], out["to"], out["by"]) == ("2023-01-01", "2023-12-31", "agency")
    for row in out["units"]:
        assert row["digitised"] <= row["naive_digitised"] <= row["received"]
    recounted = runner.invoke(app, ["report", "--from", "2023-01-01", "--to", "2023-12-31",
                                    "--recount", "--json"])
    assert recounted.exit_code == 0 and json.loads(recounted.stdout) == out  # the tally held
    assert "Đã tính lại" in recounted.stderr
    refused = runner.invoke(app, ["report", "--by", "week", "--json"])
    assert refused.exit_code == 2 and "invalid_report_grouping" in refused.stderr
    if out["units"]:
        unit = out["units"][0]
        listing = runner.invoke(app, ["report", "--from", "2023-01-01", "--to", "2023-12-31",
                                      "--list", unit["unit"], "received", "--json"])
        assert len(json.loads(listing.stdout)["dossiers"]) == unit["received"]
    wrong = runner.invoke(app, ["report", "--list", "000.00.06.H56", "everything"])
    assert wrong.exit_code == 2 and "unknown_report_column" in wrong.stderr


def test_the_report_as_an_xlsx_a_province_sends_up(catalogue, tmp_path):
    """Re-opened with openpyxl and read cell by cell: the period and production time, one row
    per unit with sub-units indented under their parent, the totals of the top unit."""
    from datetime import datetime, timezone

    from openpyxl import load_workbook

    from pipeline.report_files import write_csv, write_xlsx

    rows = _report(catalogue, date(2023, 10, 1), date(2023, 11, 30), "agency")
    out = {"from": "2023-10-01", "to": "2023-11-30", "by": "agency", "units": rows}
    path = tmp_path / "chi-tieu.xlsx"
    write_xlsx(out, path, datetime(2023, 12, 1, 8, 0, tzinfo=timezone.utc))
    sheet = load_workbook(path).active
    assert "2023-10-01 đến 2023-11-30" in sheet["A2"].value
    assert sheet["A3"].value == "Lập lúc: 2023-12-01T08:00:00+00:00"
    assert [c.value for c in sheet[4]][:4] == ["Đơn vị", "Hồ sơ tiếp nhận", "Đã số hóa",
                                               "Tỷ lệ số hóa hồ sơ (%)"]
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert [r[0] for r in body] == [PROVINCE, UNIT, SUB, "Tổng cộng"]
    assert [sheet.cell(row, 1).alignment.indent for row in (5, 6, 7)] == [0, 2, 4]
    assert body[2][1:4] == [3, 1, 33.33]  # the sub-unit: received, digitised, rate
    assert body[3][1:4] == [6, 2, 33.33]  # totals: the province's own, not counted twice
    assert body[1][11:13] == [5, 83.33]  # the naive count beside it
    write_csv(out, tmp_path / "chi-tieu.csv")
    lines = (tmp_path / "chi-tieu.csv").read_text().splitlines()
    assert lines[0].startswith("unit,received,digitised,dossier_rate") and len(lines) == 4


def test_each_count_lists_its_dossiers(catalogue):
    _report(catalogue, date(2023, 10, 1), date(2023, 11, 30), "agency")

    def codes(unit: str, column: str, by: str = "agency", units=None) -> list[str]:
        return listed(catalogue, date(2023, 10, 1), date(2023, 11, 30), by, unit, column, units)

    assert codes(SUB, "received") == ["c", "d", "e"] and codes(SUB, "digitised") == ["c"]
    assert codes(UNIT, "not_received") == ["f"] and codes(UNIT, "with_result") == ["a"]
    assert codes(PROVINCE, "received") == ["a", "b", "c", "d", "e", "f"]
    assert codes(PROVINCE, "received", units={SUB}) == ["c", "d", "e"]  # a sub-unit's client
    assert codes("1.001193", "unsigned", by="procedure") == ["d"]
    assert codes("2023-10", "reused", by="month") == ["c"]


def test_a_dossier_its_latest_audit_found_changed_is_not_digitised():
    complete = _fixture()[0]
    from dataclasses import replace

    assert not_digitised(replace(complete, audit_findings=())) is None
    assert not_digitised(replace(complete, audit_findings=("changed",))) == "audit_failed"


def test_several_groupings_from_one_count_equal_each_alone(catalogue):
    from pipeline.api.reports import digitisation_reports

    settings = Settings(indicator_weights=WEIGHTS, indicator_full_marks=80.0)
    _report(catalogue, date(2023, 1, 1), date(2023, 12, 31), "agency")
    both = digitisation_reports(catalogue, settings, date(2023, 1, 1), date(2023, 12, 31),
                                ["agency", "month", "procedure"], {UNIT})
    for by in ("agency", "month", "procedure"):
        assert both[by] == digitisation_report(catalogue, settings, date(2023, 1, 1),
                                               date(2023, 12, 31), by, {UNIT})
    assert [r["unit"] for r in both["month"]["units"]] == ["2023-10", "2023-12"]
