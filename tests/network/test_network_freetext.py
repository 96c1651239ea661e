"""The network's guard on free text: CPR numbers, birth dates and case references are refused."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infohus_network.freetext import REASONS, FreeTextRefused, Refusal, find, require_confirmation, screen

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "text",
    [
        "Vi talte om 0101104234 på mødet",
        "CPR: 010110-4234",
        "cpr 010110 4234",
        "010110–4234 (med tankestreg)",
        "０１０１１０４２３４ i fuld bredde",
        "0101\u200b104234 med usynligt tegn",
        "2902049999",  # 29 February 2004
    ],
)
def test_cpr_numbers_are_refused(text):
    assert find(text, TODAY) is Refusal.CPR


@pytest.mark.parametrize(
    "text",
    [
        "Ring til os på 98 76 54 32 eller 12345678",
        "Kontonummer 1234567890",  # 12/34: not a date
        "3002104234",  # 30 February: not a date
        "Vi havde 1500 henvendelser i 2025 mod 1200 i 2024",
    ],
)
def test_numbers_that_are_not_cpr_numbers_pass(text):
    assert find(text, TODAY) is None


@pytest.mark.parametrize(
    "text",
    [
        "Se sag 2026-123",
        "j.nr. 2026-0042",
        "Jr.nr. 17",
        "Sagsnr.: 4711",
        "sagsnummer KK-2026-4",
        "case #12",
        "bekymringshenvendelse 2026/17",
        "id 3f2a9c1e-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
        "3F2A9C1E4B5D4E6F8A9B0C1D2E3F4A5B",
        "den fra i går (3f2a9c1e)",
        "27.00.00-P20-1-26",
    ],
)
def test_case_references_are_refused(text):
    assert find(text, TODAY) is Refusal.CASE_REFERENCE


@pytest.mark.parametrize(
    "text",
    [
        "født 3. marts 2010",
        "Født den 3. marts 2010",
        "f. 03.03.10",
        "født 3/3/2010",
        "Fødselsdato: 2010-03-03",
        "Han er fra 03-03-2010",
        "2010-03-03",
        "14.02.1998",
    ],
)
def test_birth_dates_are_refused(text):
    assert find(text, TODAY) is Refusal.BIRTH_DATE


@pytest.mark.parametrize(
    "text",
    [
        "Næste møde er 12.03.2027 kl. 9",
        "Referat af mødet 14.09.2025",
        "Bekendtgørelse nr. 1234 af 15. juni 2019",
        "Unge født efter 2005 er i fokus",
        "Referat 3 fra netværket",
        "Sagen om radikalisering online drøftes generelt",
        "Et case-studie fra Aarhus",
        "Tendenser 2024-2026: flere henvendelser fra skoler, færre fra foreninger",
        "Oplæg ved PET's Center for Forebyggelse; kontakt pet@pet.dk, tlf. 45 15 90 07",
        "Handlekort version 2.1.2024",
        "Højreekstremisme og konspirationsteorier blandt unge under 18 år",
        "",
    ],
)
def test_ordinary_forum_text_passes(text):
    assert find(text, TODAY) is None


@given(
    born=st.dates(min_value=date(1940, 1, 1), max_value=date(2020, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    dash=st.sampled_from(["", "-", " "]),
    before=st.sampled_from(["", "Vedr. ", "Han (", "x: "]),
    after=st.sampled_from(["", ".", ") og familien", " bor i Aars"]),
)
def test_every_valid_cpr_number_is_refused(born, serial, dash, before, after):
    century_digit = 4 if born.year >= 2000 else 0
    cpr = f"{born:%d%m%y}{dash}{century_digit}{serial:03d}"
    assert find(f"{before}{cpr}{after}", TODAY) is Refusal.CPR


@given(years_back=st.integers(min_value=6, max_value=100), days=st.integers(min_value=0, max_value=364),
       fmt=st.sampled_from(["%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d"]))
def test_plausible_birth_dates_are_refused(years_back, days, fmt):
    day = TODAY - timedelta(days=int(years_back * 365.25) + days)
    assert find(f"Personen er {day.strftime(fmt)}", TODAY) is Refusal.BIRTH_DATE


def test_screen_names_the_field_and_never_carries_the_text():
    with pytest.raises(FreeTextRefused) as refused:
        screen({"title": "Generelt", "body": "Om 0101104234", "tags": ["ok"]}, TODAY)
    assert (refused.value.field, refused.value.kind) == ("body", Refusal.CPR)
    assert "0101104234" not in repr(refused.value) and "0101104234" not in str(refused.value)
    assert refused.value.reason == ("Teksten ser ud til at indeholde et CPR-nummer. "
                                    "Netværket må ikke drøfte enkeltsager.")

    with pytest.raises(FreeTextRefused) as refused:
        screen({"tags": ["online", "sag 2026-123"]}, TODAY)
    assert refused.value.field == "tags.1"


def test_every_post_needs_the_confirmation():
    require_confirmation(True)
    for value in (False, None):
        with pytest.raises(FreeTextRefused) as refused:
            require_confirmation(value)
        assert refused.value.kind is Refusal.UNCONFIRMED
        assert refused.value.field == "confirms_no_individual_case"


def test_every_reason_is_danish_and_says_why():
    assert set(REASONS) == set(Refusal)
    assert all(reason.endswith("Netværket må ikke drøfte enkeltsager.") for reason in REASONS.values())
