"""The network's guard on free text: CPR numbers, birth dates and case references are refused."""

import html
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


# -- Issue 12: the screen normalises before it looks -------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        # The bypasses from the issue, each of which was stored.
        "15.03.12-4987",
        "1 5 0 3 1 2 4 9 8 7",
        "150312 og 4987",
        "15O312-4987",
        "&#49;503124987",
        # Their relatives.
        "Drengen (15/03/12 4987) går i 6. klasse",
        "15 03 12 49 87",
        "15_03_12_4987",
        "1503 12-4987",
        "150312 and 4987",
        "150312&4987",
        "l5O3l2-4987",
        "15o312 - 4987",
        "1 5 O 3 1 2 4 9 8 7",
        "1\u04550312-4987",  # Cyrillic dze for the 5
        "15\u041e312-4987",  # Cyrillic O
        "&amp;#49;503124987",  # encoded twice
        "&#x31;&#x35;0312-4987",
        "15&nbsp;03&nbsp;12&nbsp;4987",
        "15<b>03</b>12-4987",
        "\u0661\u0665\u0660\u0663\u0661\u0662\u0664\u0669\u0668\u0667",  # Arabic-Indic digits
        "1\u20e35\u20e30312-4987",  # combining keycap marks
        "150312\u20134987",
        "Nr. 3 i rækken: 15.03.12-4987",
    ],
)
def test_disguised_cpr_numbers_are_refused(text):
    assert find(text, TODAY) is Refusal.CPR


@pytest.mark.parametrize(
    "text",
    [
        "født 15. marts 2012",
        "født 15. marts 2O12",
        "f&oslash;dt 15. marts 2012",
        "f&#248;dt&nbsp;15.&nbsp;marts&nbsp;2012",
        "født 1&#53;. marts 2012",
        "født 15 . marts 2Ol2",
        "FØDT 15.O3.2OI2",
        "født 15 / 03 / 2012",
        "foedt 15.03.2012",
        "ｆøｄｔ １５. marts ２０１２",
        "15.O3.2OO8",
        "15&#46;03&#46;2008",
    ],
)
def test_disguised_birth_dates_are_refused(text):
    assert find(text, TODAY) is Refusal.BIRTH_DATE


@pytest.mark.parametrize(
    "text",
    [
        "sag&nbsp;2026-123",
        "sag&amp;nbsp;2026-123",
        "s&aring;dan gik det i sag 2O26-l23",
        "j.nr. ２７.００.００-Ｐ２０-１-２６",
        "j.nr. ２７．００．００－Ｐ２０－１－２６",
        "27.OO.OO-P2O-l-26",
        "Sags\u00adnr. 4711",
        "&lt;sag 17&gt;",
    ],
)
def test_disguised_case_references_are_refused(text):
    assert find(text, TODAY) is Refusal.CASE_REFERENCE


MINUTES = (
    "Referat af netværksmødet 14.10.2026 kl. 10.30-12.00 i Aars. Til stede: 12 deltagere fra 4 kommuner "
    "og 2 politikredse. Siden 2024 er antallet af henvendelser steget fra 1.500 til 2.100 om året, og "
    "budgettet for 2027 er 250.000 kr. (i alt 1.203.140.326 kr. på landsplan). Næste møde er 12.01.2027 "
    "kl. 9.00 i lokale 2.15. Kontakt sekretariatet på tlf. 98 76 54 32 eller 12345678. Punkt 3 og 4 blev "
    "udsat til uge 5. Oplæg af PET og SSP-konsulent (ca. 45 min.) for 1.g og 2.g på Vestergade 15B, 9600 Aars."
)


@pytest.mark.parametrize(
    "text",
    [
        MINUTES,
        html.escape(MINUTES),
        MINUTES.replace(" ", "&nbsp;"),
        "I 2026 holder vi 4 møder: 10.03, 12.05, 08.09 og 10.11 kl. 13.15",
        "Workshops 10.03-14.03.26 og 1.-2. april; tilmelding senest 1.3.",
        "Møderne 10.03 og 14.03.26 flyttes",
        "Bo og Ib fra SSP deltog; SOS Børnebyerne sendte afbud",
        "Uge 12, 13 og 14: 150 elever, 20 lærere og 3 skoler",
        "Tal fra 2015 og 2020 og 2025: 1 200 / 1 350 / 1 500 henvendelser",
        "CVR 12345678, EAN 5790000123456",
        "Version 2.1.3 af handlekortet, se side 12-14",
        "Tidsrum 08.00-16.00, frokost 12.00-12.30",
        "Solo-oplæg 2026 ved G20-ekspert",
        "Skole- og Sundhedsudvalget, 3. sal, lokale 3.12",
    ],
)
def test_ordinary_minutes_still_pass(text):
    assert find(text, TODAY) is None


@given(
    born=st.dates(min_value=date(1940, 1, 1), max_value=date(2020, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    style=st.sampled_from(["uniform", "date_then_serial", "connector"]),
    separator=st.sampled_from([" ", ".", "-", "/", "_", " . ", " - "]),
    connector=st.sampled_from([" og ", " and ", "&", " - "]),
    look_alike=st.sampled_from(["", "0O", "0o", "1l", "1I", "5S"]),
    entity=st.booleans(),
)
def test_every_disguised_cpr_number_is_refused(born, serial, style, separator, connector, look_alike, entity):
    century_digit = 4 if born.year >= 2000 else 0
    digits = f"{born:%d%m%y}{century_digit}{serial:03d}"
    if style == "uniform":
        text = separator.join(digits)
    elif style == "date_then_serial":
        text = f"{digits[0:2]}{separator}{digits[2:4]}{separator}{digits[4:6]}-{digits[6:]}"
    else:
        text = f"{digits[:6]}{connector}{digits[6:]}"
    if look_alike:
        text = text.replace(look_alike[0], look_alike[1], 1)
    if entity:
        text = f"&#{ord(text[0])};{text[1:]}"
    assert find(f"Vi talte om {text} på mødet", TODAY) is Refusal.CPR
