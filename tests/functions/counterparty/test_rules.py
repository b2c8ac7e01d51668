"""Pure rules: change detection, risk level, alerts, findings, keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from dataverse.schema import FindingKind, FindingSeverity, RiskLevel
from functions.counterparty.changes import detect_changes, flatten
from functions.counterparty.findings import differs, findings_of
from functions.counterparty.keys import check_id, manual_key, message_id, schedule_slot, scheduled_key
from functions.counterparty.risk import alert_reasons, assess_risk, risk_rose
from tests.functions.counterparty._payloads import CODE, OFAC, RNBO, court_case, report

# -- change detection -------------------------------------------------------------------------------


def test_first_check_has_no_changes() -> None:
    assert detect_changes(None, report()) == []


def test_unchanged_data_yields_no_changes() -> None:
    assert (
        detect_changes(
            report(sanctions=[RNBO], cases=[court_case("910/1/24")]),
            report(sanctions=[RNBO], cases=[court_case("910/1/24")]),
        )
        == []
    )


def test_replaced_director_is_recorded_from_old_to_new() -> None:
    changes = detect_changes(report(), report(director="ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА"))
    by_field = {change.field: change for change in changes}
    assert by_field["director"].old == "КОВАЛЕНКО АНДРІЙ ПЕТРОВИЧ"
    assert by_field["director"].new == "ШЕВЧЕНКО ОЛЕНА ВАСИЛІВНА"
    assert set(by_field) == {"director", "founders", "beneficiaries"}


def test_a_new_sanction_is_one_added_item_and_raises_the_risk_level() -> None:
    changes = detect_changes(report(sanctions=[RNBO]), report(sanctions=[OFAC, RNBO]))
    added = [c for c in changes if c.field.startswith("sanctions[")]
    assert len(added) == 1 and added[0].old is None and "OFAC" in (added[0].new or "")
    assert not any(c.field == "risk_level" for c in changes)  # critical before and after


def test_risk_level_change_is_recorded() -> None:
    changes = detect_changes(report(), report(tax_debt=1500.0))
    risk = next(c for c in changes if c.field == "risk_level")
    assert (risk.old, risk.new) == ("low", "high")
    debt = next(c for c in changes if c.field == "tax_debt")
    assert (debt.old, debt.new) == ("none", "1 500.00 UAH")


def test_a_module_the_keys_no_longer_allow_is_not_reported_as_a_change() -> None:
    assert detect_changes(report(vat=True), report(vat=None, unavailable=["vat"])) == []


def test_court_cases_are_compared_one_by_one_only_when_both_lists_are_complete() -> None:
    complete = detect_changes(
        report(cases=[court_case("1")]), report(cases=[court_case("2"), court_case("1")])
    )
    assert {c.field for c in complete} >= {"court_cases[2]", "court_cases.total"}
    partial = detect_changes(
        report(cases=[court_case("1")], total_cases=150), report(cases=[court_case("2")], total_cases=151)
    )
    assert not any(c.field.startswith("court_cases[") for c in partial)
    assert next(c for c in partial if c.field == "court_cases.total").new == "151"


def test_flatten_leaves_out_absent_values() -> None:
    values = flatten(report(vat=None, index=None))
    assert "vat" not in values and "express_index" not in values
    assert values["risk_level"] == "unknown"


# -- risk -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, RiskLevel.LOW),
        ({"index": "B"}, RiskLevel.LOW),
        ({"index": None}, RiskLevel.UNKNOWN),
        ({"index": "C"}, RiskLevel.MEDIUM),
        ({"max_factors": 1}, RiskLevel.MEDIUM),
        ({"cases": [court_case(str(n)) for n in range(3)]}, RiskLevel.MEDIUM),
        ({"cases": [court_case(str(n), decided=True) for n in range(3)]}, RiskLevel.LOW),
        ({"cases": [court_case(str(n), side=1) for n in range(3)]}, RiskLevel.LOW),
        ({"index": "D"}, RiskLevel.HIGH),
        ({"tax_debt": 10.0}, RiskLevel.HIGH),
        ({"sanctions": [RNBO]}, RiskLevel.CRITICAL),
        ({"terminated_on": "2022-03-30T00:00:00Z"}, RiskLevel.CRITICAL),
    ],
)
def test_risk_level_rules(kwargs: dict[str, object], expected: RiskLevel) -> None:
    assert assess_risk(report(**kwargs)) is expected  # type: ignore[arg-type]


def test_risk_rises_only_to_medium_or_worse() -> None:
    assert risk_rose(RiskLevel.LOW, RiskLevel.MEDIUM)
    assert risk_rose(None, RiskLevel.HIGH)
    assert not risk_rose(None, RiskLevel.LOW)
    assert not risk_rose(RiskLevel.HIGH, RiskLevel.MEDIUM)
    assert not risk_rose(RiskLevel.HIGH, RiskLevel.HIGH)


def test_owner_is_alerted_when_risk_rises_or_sanctions_or_court_cases_appear() -> None:
    assert alert_reasons(report(), report()) == []
    assert alert_reasons(report(), report(index="C")) == ["risk rose from low to medium"]
    new_sanction = alert_reasons(report(sanctions=[RNBO]), report(sanctions=[RNBO, OFAC]))
    assert new_sanction == ["new sanction: OFAC SDN — Компанія входить до санкційного списку OFAC"]
    new_case = alert_reasons(
        report(cases=[court_case("1", side=1)]),
        report(
            cases=[court_case("1", side=1), court_case("2", side=1, subject="Визнання договору недійсним")]
        ),
    )
    assert new_case == ["new court case 2: Визнання договору недійсним"]


def test_a_first_check_alerts_only_for_a_risky_counterparty() -> None:
    assert alert_reasons(None, report()) == []
    assert alert_reasons(None, report(sanctions=[RNBO])) == ["risk rose from unknown to critical"]


# -- findings ---------------------------------------------------------------------------------------


def test_findings_cover_sanctions_debt_courts_factors_and_termination() -> None:
    found = findings_of(
        report(
            sanctions=[RNBO],
            tax_debt=99.5,
            cases=[court_case("7", decided=True)],
            max_factors=1,
            average_factors=1,
            terminated_on="2022-03-30T00:00:00Z",
        )
    )
    kinds = [f.kind for f in found]
    assert kinds.count(FindingKind.RISK_FACTOR) == 2
    assert {
        FindingKind.SANCTION,
        FindingKind.TAX_DEBT,
        FindingKind.COURT_CASE,
        FindingKind.BANKRUPTCY,
    } <= set(kinds)
    case = next(f for f in found if f.kind is FindingKind.COURT_CASE)
    assert case.severity is FindingSeverity.INFO and "Позов задовольнити" in (case.details or "")
    assert all(f.key.startswith(f"{CODE}:") and len(f.key) <= 200 for f in found)


def test_finding_keys_are_stable_across_checks() -> None:
    first = {f.key for f in findings_of(report(sanctions=[RNBO], cases=[court_case("1")]))}
    again = {f.key for f in findings_of(report(sanctions=[RNBO], cases=[court_case("1")]))}
    assert first == again and len(first) == 2


def test_a_stored_finding_row_with_the_same_values_is_not_rewritten() -> None:
    finding = findings_of(report(sanctions=[RNBO]))[0]
    row = dict(finding.columns())
    row["smart_foundon"] = "2022-10-18T21:00:00.000Z"  # the sanction's +03:00 date, as Dataverse returns it
    assert not differs(finding, row)
    assert differs(finding, {**row, "smart_details": "other"})
    assert differs(finding, {**row, "smart_foundon": "2022-10-19T21:00:00Z"})


# -- keys -------------------------------------------------------------------------------------------


def test_check_ids_derive_from_keys() -> None:
    account = uuid.UUID("c0ffee00-1234-ef11-8a69-000d3a4b5c6d")
    key = scheduled_key(CODE, account, "20261123T03")
    assert check_id(key) == check_id(key) != check_id(scheduled_key(CODE, account, "20261130T03"))
    assert message_id(key, 1) == key and message_id(key, 3) == f"{key}#3"


def test_manual_checks_in_the_same_minute_share_a_key_unless_the_caller_names_the_request() -> None:
    at = datetime(2026, 11, 23, 10, 15, 5, tzinfo=UTC)
    later = datetime(2026, 11, 23, 10, 15, 55, tzinfo=UTC)
    assert manual_key(CODE, None, None, at) == manual_key(CODE, None, None, later)
    assert manual_key(CODE, None, "req-1", at) != manual_key(CODE, None, "req-2", at)


def test_schedule_slot_is_the_utc_hour() -> None:
    assert schedule_slot(datetime(2026, 11, 23, 3, 0, 2, tzinfo=UTC)) == "20261123T03"
