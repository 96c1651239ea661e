"""The network's rules without I/O: district, meetings, engagement, knowledge, district statistics."""

import io
import zipfile
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest

from infohus_network import documents
from infohus_network.domain import (
    Cadence,
    HeldMeeting,
    MemberRole,
    Part,
    RuleViolation,
    check_after_start,
    check_attachment,
    check_member,
    check_summon,
    combine,
    engagement,
    in_district,
    months_of,
    search_terms,
)
from infohus_network.settings import NetworkSettings

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_the_district_and_its_municipalities():
    assert in_district("820", "nordjylland") and not in_district("101", "nordjylland")
    with pytest.raises(ValueError, match="unknown police district"):
        NetworkSettings(infohus_district="atlantis")


def test_members_belong_to_the_district_and_leaders_hand_knowledge_on():
    check_member(MemberRole.POLICE_COORDINATOR, None, None, "nordjylland")
    check_member(MemberRole.MUNICIPAL_COORDINATOR, "810", None, "nordjylland")
    check_member(MemberRole.LEADER, "810", "SSP-konsulenterne i Brønderslev", "nordjylland")
    for role, code, hands_on, field in [
        (MemberRole.MUNICIPAL_COORDINATOR, "101", None, "municipality_code"),
        (MemberRole.MUNICIPAL_COORDINATOR, None, None, "municipality_code"),
        (MemberRole.POLICE_COORDINATOR, "810", None, "municipality_code"),
        (MemberRole.LEADER, "810", "  ", "hands_knowledge_on_to"),
    ]:
        with pytest.raises(RuleViolation) as violation:
            check_member(role, code, hands_on, "nordjylland")
        assert violation.value.field == field


def test_meetings_are_summoned_in_good_time():
    check_summon(NOW + timedelta(days=20), "planned", NOW, 14, False)
    with pytest.raises(RuleViolation, match="at least 14 days"):
        check_summon(NOW + timedelta(days=10), "planned", NOW, 14, False)
    check_summon(NOW + timedelta(days=10), "planned", NOW, 14, True)
    with pytest.raises(RuleViolation, match="already begun"):
        check_summon(NOW - timedelta(hours=1), "planned", NOW, 14, True)
    with pytest.raises(RuleViolation, match="cancelled"):
        check_summon(NOW + timedelta(days=20), "cancelled", NOW, 14, False)


def test_attendance_and_minutes_only_once_the_meeting_has_begun():
    check_after_start(NOW - timedelta(hours=2), "summoned", NOW, "attendance")
    with pytest.raises(RuleViolation, match="once the meeting has begun"):
        check_after_start(NOW + timedelta(days=1), "summoned", NOW, "attendance")


def test_cadence_says_when_the_next_meeting_is_due_and_when_to_summon():
    quarterly = Cadence(3, 14, last_meeting_at=datetime(2026, 7, 31, tzinfo=UTC), next_meeting_at=None,
                        next_meeting_summoned=False)
    status = quarterly.status(NOW)
    assert status["next_meeting_due_by"] == date(2026, 10, 31) and status["meeting_overdue"] is True
    planned = Cadence(6, 14, last_meeting_at=datetime(2026, 9, 1, tzinfo=UTC),
                      next_meeting_at=datetime(2026, 12, 1, tzinfo=UTC), next_meeting_summoned=False)
    status = planned.status(NOW)
    assert status["meeting_overdue"] is False
    assert status["summon_by"] == date(2026, 11, 17) and status["summon_overdue"] is True


def _meetings(n: int) -> list[HeldMeeting]:
    return [HeldMeeting(f"m{i}", NOW - timedelta(days=90 * (n - i))) for i in range(n)]


def test_engagement_shows_which_municipalities_drift_away():
    held = _meetings(4)
    present = [(m.meeting_id, "851") for m in held] + [("m0", "810"), ("m1", "810")] + [("m0", "813"), ("m2", "813")]
    members = [("851", "municipal_coordinator"), ("810", "municipal_coordinator"), ("810", "leader"),
               ("813", "municipal_coordinator")]
    rows = {r.municipality_code: r for r in engagement(
        ["851", "810", "813", "825"], held, present, members,
        agenda_items=[("m3", "851"), ("m3", "851"), ("m2", "813")],
        knowledge_posts=[("851", NOW), ("810", NOW - timedelta(days=1000))],
    )}
    assert (rows["851"].status, rows["851"].attendance_rate, rows["851"].agenda_items) == ("engaged", 1.0, 2)
    assert rows["851"].knowledge_posts == 1
    assert rows["810"].status == "drifting" and "missed_last_two_meetings" in rows["810"].reasons
    assert rows["810"].knowledge_posts == 0  # before the window
    assert rows["810"].leaders == 1 and rows["810"].last_attended_at == held[1].starts_at
    assert rows["813"].status == "engaged" and rows["813"].attendance_rate == 0.5  # missed only the last one
    assert rows["825"].status == "not_represented" and rows["825"].meetings_attended == 0
    assert [t["attended"] for t in rows["810"].timeline] == [True, True, False, False]


def test_engagement_window_counts_only_the_last_meetings():
    held = _meetings(6)
    rows = engagement(["810"], held, [("m0", "810"), ("m1", "810")], [("810", "municipal_coordinator")], [], [],
                      window=4)
    assert rows[0].meetings_held == 4 and rows[0].meetings_attended == 0 and rows[0].status == "drifting"


@pytest.mark.parametrize(
    ("period", "months"),
    [("2026-11", ["2026-11"]), ("2026-Q4", ["2026-10", "2026-11", "2026-12"]),
     ("2026-H1", [f"2026-{m:02d}" for m in range(1, 7)]), ("2026", [f"2026-{m:02d}" for m in range(1, 13)])],
)
def test_periods(period, months):
    assert months_of(period) == months


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "26-11", "2026-11-01", "x"])
def test_bad_periods_are_refused(period):
    with pytest.raises(RuleViolation):
        months_of(period)


def part(code, count, metric="concerns_received", value=None, period="2026-11", k=5):
    return Part(code, period, metric, value, count, count is None, k)


def test_district_statistics_add_up_municipalities_and_suppress_again():
    cells = {(c.metric, c.dimension_value): c for c in combine([
        part("810", 6), part("813", 5), part("846", None),
        part("810", 5, "age_band", "15-17"), part("813", None, "age_band", "15-17"),
        part("810", None, "source_category", "police"), part("813", None, "source_category", "police"),
        part("810", 0, "outcome", "unfounded"),
    ], k=5)}
    volume = cells[("concerns_received", None)]
    assert (volume.count, volume.suppressed, volume.at_least, volume.suppressed_parts, volume.municipalities) == (
        11, False, True, 1, 3)
    assert cells[("age_band", "15-17")].count == 5 and cells[("age_band", "15-17")].at_least
    police = cells[("source_category", "police")]
    assert police.count is None and police.suppressed  # nothing shown but something hidden
    assert cells[("outcome", "unfounded")].count == 0 and not cells[("outcome", "unfounded")].suppressed


def test_district_statistics_respect_a_raised_k():
    combined = combine([part("810", 7, k=5)], k=10)
    assert combined[0].count is None and combined[0].suppressed
    assert combine([part("810", 7, k=10), part("813", 5, k=5)], k=5)[0].count is None  # k of a part counts


def test_statistics_never_show_a_small_count():
    parts = [part(code, n) for code, n in [("810", 0), ("813", None), ("846", 5), ("851", 9), ("860", None)]]
    for subset_size in range(1, len(parts) + 1):
        for cell in combine(parts[:subset_size], k=5):
            assert cell.count is None or cell.count == 0 or cell.count >= 5


def test_search_terms():
    terms = search_terms('PET "højreekstremisme online"  handlekort')
    assert terms == ["pet", "højreekstremisme online", "handlekort"]


def test_attachments_are_limited_by_type_content_and_size():
    assert check_attachment("application/pdf", b"%PDF-1.4 ...", 100) == "pdf"
    assert check_attachment("text/markdown; charset=utf-8", "# Handlekort æøå".encode(), 100) == "text"
    for content_type, data, status in [
        ("image/png", b"\x89PNG", 415),
        ("application/pdf", b"MZ not a pdf", 422),
        ("text/plain", b"\xff\xfe", 422),
        ("text/plain", b"x" * 101, 413),
        ("text/plain", b"", 422),
    ]:
        with pytest.raises(RuleViolation) as violation:
            check_attachment(content_type, data, 100)
        assert violation.value.status == status


def test_the_text_of_word_files_and_simple_pdfs_is_read_for_screening():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", '<w:document><w:body><w:p><w:r><w:t>Handlekort: </w:t></w:r>'
                                              '<w:r><w:t>010110</w:t></w:r><w:r><w:t>4234</w:t></w:r></w:p>'
                                              '</w:body></w:document>')
        archive.writestr("word/media/image1.png", b"\x89PNG")
    assert "Handlekort: 0101104234" in documents.text_of("ooxml", buffer.getvalue())

    content = b"BT /F1 12 Tf 72 712 Td [(Oplaeg om sag )-20(2026-123)] TJ ET"
    pdf = (b"%PDF-1.4\n1 0 obj << /Length 1 /Filter /FlateDecode >>\nstream\n" + zlib.compress(content)
           + b"\nendstream\nendobj\n%%EOF")
    assert "Oplaeg om sag 2026-123" in documents.text_of("pdf", pdf)
    assert documents.text_of("pdf", b"%PDF-1.4\nstream\n\x00garbage\nendstream") == ""
