"""The forum's use cases over a per-test SQLite database: what is refused is counted and stores nothing,
a summons goes to notify through the outbox in batches, the district's statistics use the policy's k."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from fakes import rows
from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.summons import MeetingSummonsRequested, MeetingUrgency
from infohus_contracts.base.topics import NETWORK_SUMMONS
from infohus_network import schemas
from infohus_network.domain import AttendanceStatus, KnowledgeKind, KnowledgeSource, MemberRole
from infohus_network.freetext import FreeTextRefused, Refusal
from infohus_network.service import district, engagement, knowledge, meetings, statistics
from infohus_network.storage import AgendaItem, AggregateCell, Attachment, Invitation, KnowledgePost, Member, Minutes
from infohus_platform.auth import Principal
from infohus_platform.errors import NotFound, RuleViolation, UnsupportedType
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.runtime import Runtime

COORDINATOR = Principal(user_id="coordinator-1", name="Politiets koordinator", police_district="nordjylland")
AALBORG = Principal(user_id="aalborg-1", name="Aalborgs koordinator", municipality_code="851")
CPR = "0101901234"  # 1 January 1990: a well-formed CPR number


def refusals(runtime: Runtime, kind: Refusal) -> float:
    value = runtime.metrics.registry.get_sample_value("infohus_network_free_text_refusals_total", {"reason": kind})
    return value or 0.0


async def a_meeting(runtime: Runtime, starts_in: timedelta = timedelta(days=30)) -> schemas.MeetingPublic:
    body = schemas.MeetingCreate(title="Netværksmøde", starts_at=datetime.now(UTC) + starts_in, location="Aalborg")
    return await meetings.plan_meeting(runtime, COORDINATOR, body)


async def members_of(runtime: Runtime, count: int) -> None:
    for i in range(count):
        await district.add_member(runtime, schemas.MemberCreate(
            name=f"Koordinator {i}", email=f"Koordinator{i}@Kommune.dk", role=MemberRole.MUNICIPAL_COORDINATOR,
            municipality_code="851"))


# -- the free-text guard -----------------------------------------------------------------------


async def test_a_refused_agenda_item_is_counted_by_kind_and_stores_nothing(network: Runtime) -> None:
    meeting = await a_meeting(network)
    body = schemas.AgendaItemCreate(title=f"Drøftelse af {CPR}", confirms_no_individual_case=True)

    with pytest.raises(FreeTextRefused) as refused:
        await meetings.add_agenda_item(network, AALBORG, meeting.id, body)

    assert refused.value.kind is Refusal.CPR
    assert CPR not in str(refused.value.reason)  # the text is never echoed
    assert refusals(network, Refusal.CPR) == 1
    assert refusals(network, Refusal.CASE_REFERENCE) == 0
    assert await rows(network, AgendaItem) == []


async def test_a_post_without_the_confirmation_is_refused_as_unconfirmed(network: Runtime) -> None:
    body = schemas.KnowledgeCreate(title="Tendenser i distriktet", body="Generelt billede.", kind=KnowledgeKind.TREND,
                               source=KnowledgeSource.POLICE_DISTRICT)

    with pytest.raises(FreeTextRefused) as refused:
        await knowledge.post_knowledge(network, COORDINATOR, body)

    assert refused.value.kind is Refusal.UNCONFIRMED
    assert refusals(network, Refusal.UNCONFIRMED) == 1
    assert await rows(network, KnowledgePost) == []


async def test_a_search_for_a_cpr_number_is_refused_and_counted(network: Runtime) -> None:
    with pytest.raises(FreeTextRefused):
        await knowledge.search_knowledge(network, CPR, None, None, None, 50)
    assert refusals(network, Refusal.CPR) == 1


async def test_minutes_naming_a_birth_date_are_refused_and_nothing_is_stored(network: Runtime) -> None:
    meeting = await a_meeting(network, starts_in=-timedelta(hours=2))
    body = schemas.MinutesUpdate(body="Drengen født 3. marts 2011 blev drøftet.", confirms_no_individual_case=True)

    with pytest.raises(FreeTextRefused) as refused:
        await meetings.write_minutes(network, COORDINATOR, meeting.id, body)

    assert refused.value.kind is Refusal.BIRTH_DATE
    assert refusals(network, Refusal.BIRTH_DATE) == 1
    assert await rows(network, Minutes) == []


async def test_an_attachment_whose_text_names_a_cpr_number_is_refused_and_not_stored(network: Runtime) -> None:
    post = await knowledge.post_knowledge(network, COORDINATOR, schemas.KnowledgeCreate(
        title="Handlekort", body="Sådan gør vi.", kind=KnowledgeKind.ACTION_CARD,
        source=KnowledgeSource.POLICE_DISTRICT, confirms_no_individual_case=True))

    with pytest.raises(FreeTextRefused):
        await knowledge.add_attachment(network, COORDINATOR, post.id, "noter.txt", "text/plain",
                                       f"Se {CPR}".encode(), confirmed=True)

    assert refusals(network, Refusal.CPR) == 1
    assert await rows(network, Attachment) == []
    assert "noter.txt" not in (await rows(network, KnowledgePost))[0].search_text


async def test_an_attachment_is_stored_and_its_text_can_be_searched(network: Runtime) -> None:
    post = await knowledge.post_knowledge(network, AALBORG, schemas.KnowledgeCreate(
        title="Oplæg om radikalisering", body="Slides fra mødet.", kind=KnowledgeKind.TALK,
        source=KnowledgeSource.MUNICIPALITY, tags=["Radikalisering"], confirms_no_individual_case=True))

    stored = await knowledge.add_attachment(network, AALBORG, post.id, "oplaeg.md", "text/markdown; charset=utf-8",
                                            b"Bekymringstegn i skolen", confirmed=True)

    assert (stored.content_type, stored.size) == ("text/markdown", len(b"Bekymringstegn i skolen"))
    assert stored.url == f"/api/v1/knowledge/{post.id}/attachments/{stored.id}"
    assert post.author_municipality_code == "851"
    found = await knowledge.search_knowledge(network, "bekymringstegn", None, None, "radikalisering", 50)
    assert [p.id for p in found] == [post.id]
    assert [a.filename for a in found[0].attachments] == ["oplaeg.md"]


async def test_an_attachment_of_a_type_the_network_does_not_take_is_refused(network: Runtime) -> None:
    with pytest.raises(UnsupportedType):
        await knowledge.add_attachment(network, COORDINATOR, str(uuid4()), "billede.png", "image/png", b"\x89PNG",
                                       confirmed=True)
    assert await rows(network, Attachment) == []


# -- members -----------------------------------------------------------------------------------


async def test_a_coordinator_from_outside_the_district_is_refused_and_not_stored(network: Runtime) -> None:
    body = schemas.MemberCreate(name="Københavns koordinator", email="k@kk.dk", role=MemberRole.MUNICIPAL_COORDINATOR,
                            municipality_code="101")
    with pytest.raises(RuleViolation) as refused:
        await district.add_member(network, body)
    assert refused.value.field == "municipality_code"
    assert await rows(network, Member) == []


async def test_a_member_is_stored_with_the_address_lower_cased_and_counted_per_municipality(network: Runtime) -> None:
    await members_of(network, 2)
    await district.add_member(network, schemas.MemberCreate(
        name="Skoleleder", email="leder@kommune.dk", role=MemberRole.LEADER, municipality_code="851",
        hands_knowledge_on_to="Skolens AKT-team"))

    stored = await district.members(network, "851", active=True)
    assert sorted(m.email for m in stored) == ["koordinator0@kommune.dk", "koordinator1@kommune.dk",
                                               "leder@kommune.dk"]
    aalborg = next(m for m in await district.municipalities(network) if m.code == "851")
    assert (aalborg.coordinators, aalborg.leaders, len(aalborg.members)) == (2, 1, 3)


# -- meetings and the summons -------------------------------------------------------------------


async def test_summoning_stages_one_meeting_summons_per_50_members_on_the_summons_topic(network: Runtime) -> None:
    await members_of(network, 120)
    meeting = await a_meeting(network, starts_in=timedelta(days=30))

    invitations = await meetings.summon(network, meeting.id, schemas.SummonsCreate())

    assert len(invitations) == 120 and {i.status for i in invitations} == {"queued"}
    staged = await rows(network, OutboxMessage)
    assert [m.topic for m in staged] == [NETWORK_SUMMONS.name] * 3
    summonses = [MeetingSummonsRequested.model_validate_json(m.body) for m in staged]
    assert sorted(len(s.participants) for s in summonses) == [20, 50, 50]
    assert {p.email for s in summonses for p in s.participants} == {i.email for i in invitations}
    assert {str(s.meeting_id) for s in summonses} == {meeting.id} == {m.key for m in staged}
    assert {s.meeting_urgency for s in summonses} == {MeetingUrgency.REGULAR}
    assert {s.link_path for s in summonses} == {f"/netvaerk/moeder/{meeting.id}"}
    assert {m.headers["ce_type"] for m in staged} == set(NETWORK_SUMMONS.event_types)
    assert "Netværksmøde" not in " ".join(m.body for m in staged)  # the summons carries no meeting text
    detail = await meetings.meeting_detail(network, meeting.id)
    assert (detail.status, detail.invitations) == ("summoned", {"queued": 120})


async def test_summoning_again_invites_only_the_new_members(network: Runtime) -> None:
    await members_of(network, 2)
    meeting = await a_meeting(network)
    await meetings.summon(network, meeting.id, schemas.SummonsCreate())
    await members_of(network, 1)

    invitations = await meetings.summon(network, meeting.id, schemas.SummonsCreate())

    assert len(invitations) == 3
    staged = [MeetingSummonsRequested.model_validate_json(m.body) for m in await rows(network, OutboxMessage)]
    assert sorted(len(s.participants) for s in staged) == [1, 2]


async def test_a_summons_at_short_notice_is_refused_unless_allowed_and_then_urgent(network: Runtime) -> None:
    await members_of(network, 1)
    meeting = await a_meeting(network, starts_in=timedelta(days=3))

    with pytest.raises(RuleViolation) as refused:
        await meetings.summon(network, meeting.id, schemas.SummonsCreate())
    assert refused.value.field == "allow_short_notice"
    assert await rows(network, OutboxMessage) == [] and await rows(network, Invitation) == []

    await meetings.summon(network, meeting.id, schemas.SummonsCreate(allow_short_notice=True))
    (staged,) = await rows(network, OutboxMessage)
    assert MeetingSummonsRequested.model_validate_json(staged.body).meeting_urgency is MeetingUrgency.URGENT


async def test_the_districts_notice_days_decide_what_is_short_notice(network: Runtime) -> None:
    await members_of(network, 1)
    meeting = await a_meeting(network, starts_in=timedelta(days=10))
    cadence = await district.set_cadence(network, COORDINATOR, schemas.CadenceUpdate(cadence_months=3,
                                                                                 summon_notice_days=7))
    assert (cadence.summon_notice_days, cadence.next_meeting_at is not None) == (7, True)

    assert len(await meetings.summon(network, meeting.id, schemas.SummonsCreate())) == 1


async def test_a_cancelled_meeting_is_neither_summoned_nor_given_agenda_items(network: Runtime) -> None:
    await members_of(network, 1)
    meeting = await a_meeting(network)
    await meetings.cancel(network, meeting.id)

    with pytest.raises(RuleViolation):
        await meetings.summon(network, meeting.id, schemas.SummonsCreate())
    with pytest.raises(RuleViolation):
        await meetings.add_agenda_item(network, AALBORG, meeting.id,
                                       schemas.AgendaItemCreate(title="Oplæg", confirms_no_individual_case=True))
    assert await rows(network, OutboxMessage) == [] and await rows(network, AgendaItem) == []


async def test_an_unknown_meeting_is_not_found(network: Runtime) -> None:
    with pytest.raises(NotFound) as missing:
        await meetings.summon(network, str(uuid4()), schemas.SummonsCreate())
    assert missing.value.what == "meeting"


async def test_attendance_is_recorded_with_the_members_municipality_once_the_meeting_began(network: Runtime) -> None:
    await members_of(network, 1)
    (member,) = await district.members(network, None, None)
    future = await a_meeting(network, starts_in=timedelta(days=30))
    entry = schemas.AttendanceUpdate(entries=[schemas.AttendanceEntry(member_id=member.id,
                                                                  status=AttendanceStatus.PRESENT)])
    with pytest.raises(RuleViolation):
        await meetings.record_attendance(network, COORDINATOR, future.id, entry)

    held = await a_meeting(network, starts_in=-timedelta(days=1))
    detail = await meetings.record_attendance(network, COORDINATOR, held.id, entry)

    assert [(a.member_name, a.municipality_code, a.status) for a in detail.attendance] == [
        ("Koordinator 0", "851", AttendanceStatus.PRESENT)]


async def test_an_agenda_item_records_the_proposers_municipality_or_the_police(network: Runtime) -> None:
    meeting = await a_meeting(network)
    for principal in (AALBORG, COORDINATOR, AALBORG):
        await meetings.add_agenda_item(network, principal, meeting.id,
                                       schemas.AgendaItemCreate(title="Oplæg", confirms_no_individual_case=True))
    detail = await meetings.meeting_detail(network, meeting.id)
    assert [a.position for a in detail.agenda] == [1, 2, 3]
    assert detail.agenda_by_municipality == {"851": 2, "police": 1}


# -- statistics ---------------------------------------------------------------------------------


def report(municipality_code: str, count: int | None, **overrides: Any) -> AggregateReport:
    base = dict(report_id=uuid4(), municipality_code=municipality_code, period="2026-11",
                metric="concerns_received", dimension_value=None, count=count, suppressed=False, k=5,
                computed_at=datetime.now(UTC))
    return AggregateReport.model_validate(base | overrides)


async def receive(runtime: Runtime, *reports: AggregateReport) -> list[bool]:
    async with runtime.db.session() as session:
        kept = [await statistics.receive_aggregate(runtime, session, r) for r in reports]
        await session.commit()
    return kept


async def test_an_aggregate_from_outside_the_district_is_counted_and_not_stored(network: Runtime) -> None:
    assert await receive(network, report("101", 40), report("851", 12)) == [False, True]

    assert [c.municipality_code for c in await rows(network, AggregateCell)] == ["851"]
    ignored = network.metrics.registry.get_sample_value("infohus_network_aggregates_ignored_total",
                                                        {"reason": "outside_district"})
    assert ignored == 1
    assert [(v.municipality_code, v.count) for v in await statistics.aggregate_volumes(network)] == [("851", 12)]


async def test_the_district_statistics_are_suppressed_again_with_the_policys_k(network: Runtime) -> None:
    await receive(network, report("851", 15), report("820", 6), report("810", None, suppressed=True))
    network.policy.k = 10  # type: ignore[attr-defined]

    out = await statistics.statistics(network, "2026-Q4", by_municipality=True)

    assert out.k == 10 and [kind for kind, _ in network.policy.asked] == ["k_threshold"]  # type: ignore[attr-defined]
    assert out.months == ["2026-10", "2026-11", "2026-12"]
    (cell,) = out.cells
    # 6 is below the policy's k (not the reports' 5): it adds nothing, and the total is "at least" 15.
    assert (cell.metric, cell.count, cell.suppressed, cell.at_least, cell.suppressed_parts, cell.municipalities) == (
        "concerns_received", 15, False, True, 2, 3)
    assert sorted(m.code for m in out.municipalities if m.reporting) == ["810", "820", "851"]
    by_code = {m.municipality_code: m.cells for m in out.by_municipality or []}
    assert [(c.count, c.suppressed) for c in by_code["820"]] == [(None, True)]
    assert [(c.count, c.suppressed) for c in by_code["851"]] == [(15, False)]


async def test_a_period_that_is_not_one_is_refused(network: Runtime) -> None:
    with pytest.raises(RuleViolation) as refused:
        await statistics.statistics(network, "2026-13", by_municipality=False)
    assert refused.value.field == "period"


# -- engagement ---------------------------------------------------------------------------------


async def test_engagement_shows_a_municipality_that_missed_the_last_two_meetings_as_drifting(network: Runtime) -> None:
    await members_of(network, 1)
    await district.add_member(network, schemas.MemberCreate(name="Brønderslevs koordinator", email="b@kommune.dk",
                                                        role=MemberRole.MUNICIPAL_COORDINATOR,
                                                        municipality_code="810"))
    aalborg, broenderslev = sorted(await district.members(network, None, None), key=lambda m: m.municipality_code
                                   or "", reverse=True)
    held = [await a_meeting(network, starts_in=-timedelta(days=days)) for days in (90, 60, 30)]
    for i, meeting in enumerate(held):
        entries = [schemas.AttendanceEntry(member_id=aalborg.id, status=AttendanceStatus.PRESENT)]
        if i == 0:
            entries.append(schemas.AttendanceEntry(member_id=broenderslev.id, status=AttendanceStatus.PRESENT))
        await meetings.record_attendance(network, COORDINATOR, meeting.id, schemas.AttendanceUpdate(entries=entries))
    await meetings.add_agenda_item(network, AALBORG, held[0].id,
                                   schemas.AgendaItemCreate(title="Oplæg", confirms_no_individual_case=True))

    out = await engagement.engagement(network, window=4)

    rows_by_code = {m.municipality_code: m for m in out.municipalities}
    assert (out.district, out.window_meetings) == ("nordjylland", 4)
    assert rows_by_code["851"].status == "engaged" and rows_by_code["851"].agenda_items == 1
    assert rows_by_code["810"].status == "drifting"
    assert rows_by_code["810"].reasons == ["missed_last_two_meetings", "attended_less_than_half",
                                           "no_contributions"]
    assert [t.attended for t in rows_by_code["810"].timeline] == [True, False, False]
    assert rows_by_code["820"].status == "not_represented"
