"""The guard on free text: the network never discusses an individual case (LEGAL.md §1 rule 1).

Every text a member writes into the network (agenda items, minutes, knowledge posts, tags,
attachment names and the text of attachments) is screened for what would point at a person or a
case: CPR numbers, birth dates and the platform's own case references. There is deliberately no
name check: checking names against case data would itself tell the network who has a case.

A flagged text is refused with a Danish reason; the refusal is counted by kind, and neither the
text nor the part that matched is logged, stored or echoed. No I/O here.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum

from infohus_contracts.base.cpr import birth_date_or_none
from infohus_platform.errors import RuleViolation

NO_CASES = "Netværket må ikke drøfte enkeltsager."


class Refusal(StrEnum):
    CPR = "cpr"
    BIRTH_DATE = "birth_date"
    CASE_REFERENCE = "case_reference"
    UNCONFIRMED = "unconfirmed"


REASONS: dict[Refusal, str] = {
    Refusal.CPR: f"Teksten ser ud til at indeholde et CPR-nummer. {NO_CASES}",
    Refusal.BIRTH_DATE: f"Teksten ser ud til at indeholde en fødselsdato. {NO_CASES}",
    Refusal.CASE_REFERENCE: (
        f"Teksten ser ud til at indeholde en sagsreference (sags-id eller journalnummer). {NO_CASES}"
    ),
    Refusal.UNCONFIRMED: f"Bekræft, at indlægget ikke beskriver en enkeltsag. {NO_CASES}",
}

CONFIRMATION_FIELD = "confirms_no_individual_case"

# A numeric date further back than this is read as a possible birth date; a recent or future date
# (the last meeting, the next one) is not. With a birth keyword ("født") any date is refused.
BIRTH_DATE_MIN_YEARS_BACK = 5
BIRTH_DATE_MAX_YEARS_BACK = 110


class FreeTextRefused(RuleViolation):
    """A text was refused (422). Carries the field and the kind, never the text."""

    def __init__(self, field: str, kind: Refusal) -> None:
        super().__init__(field, REASONS[kind], f"free_text.{kind.value}")
        self.kind = kind


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"), None)
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")


def normalise(text: str) -> str:
    """Undo the easy disguises: full-width digits, invisible characters, typographic dashes."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_DASHES)


_CPR = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[-\s]?(\d)(\d{3})(?!\d)")

_UUID = re.compile(r"(?<![0-9a-f])[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}(?![0-9a-f])", re.I)
# A shortened id ("3f2a9c1e"): hex, at least 8 long, with both a digit and a letter.
_SHORT_ID = re.compile(r"(?<![\w-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?![\w-])", re.I)
_CASE_WORD = (
    r"(?:sags?nr|sagsnummer|sags-?id|sag|j\.?\s?nr|jr\.?\s?nr|journal(?:nr|nummer)?"
    r"|henvendelses?(?:nr|nummer|-?id)|bekymringshenvendelse|case|ref(?:erence)?)"
)
# "sag 2026-123", "j.nr. 2026-0042", "sagsnr.: 17", "sag KK-2026-4", "case #12"
_CASE_REF = re.compile(
    rf"(?<![\wæøå]){_CASE_WORD}(?![a-zæøå])\.?\s*(?:nr\.?|nummer|id)?\s*[:#]?\s*(?:[a-zæøå]{{1,5}}[-/]?)?\d",
    re.I,
)
# KLE-style journal numbers from the municipalities' case systems: "27.00.00-P20-1-26".
_JOURNAL = re.compile(r"(?<![\w.])\d{2}\.\d{2}\.\d{2}-[a-zæøå]\d{2}-\d+-\d{2}(?![\w])", re.I)

_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "marts": 3, "mar": 3, "april": 4, "apr": 4, "maj": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_BIRTH_WORD = r"(?:født|f\.|fødselsdato|fødselsdag|fødd|born|d\.o\.b\.?|dob)"
_DMY = r"(?P<d>\d{1,2})[-./](?P<m>\d{1,2})[-./](?P<y>\d{4}|\d{2})"
_YMD = r"(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})"
_TEXTUAL = rf"(?P<d3>\d{{1,2}})\.?\s*(?P<mn>{_MONTH_NAMES})\.?\s*(?P<y3>\d{{4}})"
_KEYWORD_DATE = re.compile(
    rf"(?<![\wæøå]){_BIRTH_WORD}[\s:]*(?:den\s+|d\.\s*)?(?:{_DMY}|{_YMD}|{_TEXTUAL})(?!\d)", re.I
)
_NUMERIC_DATE = re.compile(rf"(?<![\d.\-/])(?:(?P<d>\d{{1,2}})([-./])(?P<m>\d{{1,2}})\2(?P<y>\d{{4}})|{_YMD})(?![\d])")


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _years_back(day: date, today: date) -> float:
    return (today - day).days / 365.25


def _full_year(y: str, today: date) -> int:
    if len(y) == 4:
        return int(y)
    year = 2000 + int(y)
    return year if year <= today.year else year - 100


def find(text: str, today: date) -> Refusal | None:
    """The first kind of case data the text seems to hold, or ``None``."""
    if not text:
        return None
    plain = normalise(text)
    for match in _CPR.finditer(plain):
        if birth_date_or_none(*match.group(1, 2, 3, 4)) is not None:
            return Refusal.CPR
    if _UUID.search(plain) or _CASE_REF.search(plain) or _JOURNAL.search(plain) or _SHORT_ID.search(plain):
        return Refusal.CASE_REFERENCE
    for match in _KEYWORD_DATE.finditer(plain):
        g = match.groupdict()
        if g["d"]:
            day = _date(_full_year(g["y"], today), int(g["m"]), int(g["d"]))
        elif g["y2"]:
            day = _date(int(g["y2"]), int(g["m2"]), int(g["d2"]))
        else:
            day = _date(int(g["y3"]), _MONTHS[g["mn"].lower()], int(g["d3"]))
        if day is not None and day <= today:
            return Refusal.BIRTH_DATE
    for match in _NUMERIC_DATE.finditer(plain):
        g = match.groupdict()
        day = (_date(int(g["y"]), int(g["m"]), int(g["d"])) if g["d"]
               else _date(int(g["y2"]), int(g["m2"]), int(g["d2"])))
        if day is not None and BIRTH_DATE_MIN_YEARS_BACK <= _years_back(day, today) <= BIRTH_DATE_MAX_YEARS_BACK:
            return Refusal.BIRTH_DATE
    return None


def screen(fields: Mapping[str, str | Iterable[str] | None], today: date) -> None:
    """Raise ``FreeTextRefused`` for the first field (in order) that holds case data."""
    for name, value in fields.items():
        texts = [value] if isinstance(value, str) or value is None else list(value)
        for i, text in enumerate(texts):
            kind = find(text or "", today)
            if kind is not None:
                raise FreeTextRefused(name if isinstance(value, str) or value is None else f"{name}.{i}", kind)


def require_confirmation(confirmed: bool | None) -> None:
    """The author confirms on every post that it describes no individual case."""
    if confirmed is not True:
        raise FreeTextRefused(CONFIRMATION_FIELD, Refusal.UNCONFIRMED)
