"""Assessment's case rules, without I/O."""

from datetime import UTC, date, datetime, timedelta

import pytest

from infohus_assessment import domain
from infohus_assessment.domain import lead_for
from infohus_contracts.case.events import Authority, CaseStage, ConcernLevel, FollowUpCadence, InitialOutcome, LeadRole
from infohus_platform.errors import RuleViolation


@pytest.mark.parametrize(("age", "lead"), [(None, LeadRole.SSP_COORDINATOR), (17, LeadRole.SSP_COORDINATOR),
                                           (18, LeadRole.LOCAL_POLICE), (40, LeadRole.LOCAL_POLICE)])
def test_lead_by_age(age, lead):
    assert lead_for(age) == lead


def test_age_counts_the_birthday_itself():
    born = date(2008, 6, 15)
    assert domain.age_on(born, date(2026, 6, 14)) == 17
    assert domain.age_on(born, date(2026, 6, 15)) == 18
    assert domain.age_on(None, date(2026, 6, 15)) is None
    assert domain.is_minor(born, date(2026, 6, 14)) and not domain.is_minor(born, date(2026, 6, 15))
    assert not domain.is_minor(None, date(2026, 6, 15))  # an unknown age is not treated as under 18


def test_only_an_upheld_concern_stays_open_after_the_initial_assessment():
    assert domain.stage_after_initial(InitialOutcome.UPHELD) is CaseStage.ENRICHMENT
    for outcome in set(InitialOutcome) - {InitialOutcome.UPHELD}:
        assert domain.stage_after_initial(outcome) is CaseStage.CLOSED


def test_initial_assessment_needs_a_reason_or_a_recipient():
    with pytest.raises(RuleViolation) as unfounded:
        domain.check_initial(InitialOutcome.UNFOUNDED, "  ", None)
    assert unfounded.value.field == "reason"
    with pytest.raises(RuleViolation) as forwarded:
        domain.check_initial(InitialOutcome.NOT_RADICALISATION, None, "")
    assert forwarded.value.field == "forwarded_to"
    domain.check_initial(InitialOutcome.UNFOUNDED, "no signs", None)  # no error
    with pytest.raises(RuleViolation, match="already been made"):
        domain.check_initial_pending(CaseStage.ENRICHMENT.value)


def test_imminent_risk_and_honour_cases_go_to_fixed_recipients():
    assert domain.forwarded_to_for(InitialOutcome.IMMINENT_RISK, "anyone") == "police"
    assert domain.forwarded_to_for(InitialOutcome.HONOUR_RELATED, None) == "national_security_consultants"
    assert domain.forwarded_to_for(InitialOutcome.NOT_RADICALISATION, "jobcenter") == "jobcenter"


def test_leadership_approves_only_at_serious_concern():
    assert [level for level in ConcernLevel if domain.needs_leadership_approval(level)] == [
        ConcernLevel.HOEJ, ConcernLevel.AKUT]
    assert not domain.needs_leadership_approval(None)


def test_follow_up_dates_by_cadence():
    assert domain.next_follow_up(FollowUpCadence.BIWEEKLY, date(2026, 1, 1)) == date(2026, 1, 15)
    assert domain.next_follow_up(FollowUpCadence.QUARTERLY, date(2025, 11, 30)) == date(2026, 2, 28)
    assert domain.next_follow_up(FollowUpCadence.AD_HOC, date(2026, 1, 1)) is None
    assert domain.is_overdue(date(2026, 1, 1), "follow_up", date(2026, 1, 2))
    assert not domain.is_overdue(date(2026, 1, 1), "closed", date(2026, 1, 2))
    assert not domain.is_overdue(None, "effort", date(2026, 1, 2))


def test_turning_adult_between_two_days():
    born = date(2008, 6, 15)
    assert domain.turns_adult_between(born, date(2026, 6, 14), date(2026, 6, 15))
    assert not domain.turns_adult_between(born, date(2026, 6, 15), date(2026, 6, 16))
    assert not domain.turns_adult_between(None, date(2026, 1, 1), date(2027, 1, 1))


def test_hand_over_at_18_only_from_ssp():
    born = date(2008, 6, 15)
    assert domain.hands_over_at_18("ssp_coordinator", born, date(2026, 6, 15))
    assert not domain.hands_over_at_18("ssp_coordinator", born, date(2026, 6, 14))
    assert not domain.hands_over_at_18("local_police", born, date(2026, 6, 15))
    assert not domain.hands_over_at_18("ssp_coordinator", None, date(2026, 6, 15))


def test_a_closed_case_takes_no_more_steps():
    with pytest.raises(RuleViolation) as closed:
        domain.require_open(CaseStage.CLOSED.value, "note")
    assert (closed.value.field, closed.value.reason) == ("note", "the case is closed")
    with pytest.raises(RuleViolation, match="the case is closed"):
        domain.check_can_assess(CaseStage.CLOSED.value)
    with pytest.raises(RuleViolation, match="initial assessment first"):
        domain.check_can_assess(CaseStage.RECEIVED.value)
    with pytest.raises(RuleViolation, match="once an effort has started"):
        domain.check_can_follow_up(CaseStage.DECISION.value)


def test_enrichment_follows_an_upheld_concern_and_needs_a_future_deadline():
    today = date(2026, 3, 1)
    with pytest.raises(RuleViolation, match="upheld the concern"):
        domain.check_enrichment_request(CaseStage.RECEIVED.value, today + timedelta(days=5), today)
    with pytest.raises(RuleViolation) as deadline:
        domain.check_enrichment_request(CaseStage.ENRICHMENT.value, today, today)
    assert deadline.value.field == "deadline"
    domain.check_enrichment_request(CaseStage.FOLLOW_UP.value, today + timedelta(days=1), today)  # no error
    assert domain.remind_on(date(2026, 3, 20), today) == date(2026, 3, 17)
    assert domain.remind_on(date(2026, 3, 2), today) == today
    with pytest.raises(RuleViolation, match="already been answered"):
        domain.check_answerable("answered")


def test_who_an_enrichment_request_goes_to():
    assert domain.recipient_kind(Authority.AD_HOC) == "self_governing_institution"
    assert domain.recipient_kind(Authority.PSYCHIATRY) == "psychiatry"
    assert domain.authority_org(Authority.LOCAL_POLICE, "820") == "politikreds-nordjylland"
    assert domain.authority_org(Authority.SOCIAL_SERVICES_U18, "820") == "kommune-820"
    assert domain.acting_role(["leadership", "ssp_coordinator"]) == "ssp_coordinator"
    assert domain.acting_role(["authority_caseworker"]) == "authority_caseworker"
    assert domain.acting_role([]) == "unknown"


def test_pet_report_needs_a_second_person():
    with pytest.raises(RuleViolation, match="second person"):
        domain.check_pet_signoff("awaiting_signoff", "u-1", "u-1")
    with pytest.raises(RuleViolation, match="no PET report"):
        domain.check_pet_signoff("not_requested", "u-1", "u-2")
    domain.check_pet_signoff("awaiting_signoff", "u-1", "u-2")  # no error
    with pytest.raises(RuleViolation, match="not awaiting leadership approval"):
        domain.check_approvable("not_required")


def test_meeting_dates():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with pytest.raises(RuleViolation, match="in the future"):
        domain.check_meeting_date("regular", now, now)
    with pytest.raises(RuleViolation, match="within a week"):
        domain.check_meeting_date("urgent", now + timedelta(days=8), now)
    with pytest.raises(RuleViolation, match="tomorrow"):
        domain.check_meeting_date("next_day", now + timedelta(days=2), now)
    domain.check_meeting_date("next_day", now + timedelta(days=1), now)  # no error
    assert domain.next_regular_meeting(None, now) == now + timedelta(days=domain.REGULAR_INTERVAL_DAYS)
    long_ago = now - timedelta(days=400)
    assert domain.next_regular_meeting(long_ago, now) == now + timedelta(days=1)
    assert domain.as_utc(datetime(2026, 3, 1, 12)) == now


def test_the_instrument_and_its_dimensions():
    tool = domain.instrument()
    assert tool["version"] == domain.CURRENT_INSTRUMENT
    first = tool["dimensions"][0]["id"]
    domain.check_dimensions("1", [{"dimension": first, "tag": "risk", "note": "x"}])  # no error
    with pytest.raises(RuleViolation) as unknown:
        domain.check_dimensions("1", [{"dimension": first, "tag": "risk", "note": "x"},
                                      {"dimension": "astrology", "tag": "risk", "note": "x"}])
    assert unknown.value.field == "dimensions.1.dimension"
    with pytest.raises(RuleViolation, match="unknown instrument version"):
        domain.instrument("99")


def test_comparison_follows_the_instrument_order():
    ids = [d["id"] for d in domain.instrument()["dimensions"]]
    changes = domain.compare([{"dimension": ids[1], "tag": "risk", "note": "a"}],
                             [{"dimension": ids[1], "tag": "resource", "note": "b"}], "1")
    assert [c.dimension for c in changes] == ids
    assert changes[1].first == [{"tag": "risk", "note": "a"}]
    assert changes[1].second == [{"tag": "resource", "note": "b"}]
    assert changes[0].first == changes[0].second == []
