"""The guard on free text: the network never discusses an individual case (LEGAL.md §1 rule 1).

Every text a member writes into the network (agenda items, minutes, knowledge posts, tags,
attachment names and the text of attachments) is screened for what would point at a person or a
case: CPR numbers, birth dates and the platform's own case references. There is deliberately no
name check: checking names against case data would itself tell the network who has a case.

A flagged text is refused with a Danish reason; the refusal is counted by kind, and neither the
text nor the part that matched is logged, stored or echoed. No I/O here.
"""

import html
import itertools
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


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63"), "-")
_SLASHES = dict.fromkeys(map(ord, "\u2044\u2215\u29f8"), "/")
# Marks with no glyph of their own (soft hyphen, zero-width space, joiners, direction marks, BOM),
# combining marks left over after NFKC (a keycap or an underline on a digit) and variation selectors.
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
# Markup between digits ("15<b>03</b>12"): only real HTML elements, so "<sag 17>" stays text.
_TAG = re.compile(
    r"</?(?:a|b|i|u|s|em|strong|span|font|mark|small|big|sup|sub|code|kbd|p|div|br|hr|wbr|li|ul|ol|td|tr|th)"
    r"(?:\s[^<>]{0,200})?/?>",
    re.I,
)
_HTML_ROUNDS = 5  # "&amp;amp;#49;" and the like: unescaped until nothing changes

# Letters that pass for digits (Latin, Cyrillic, Greek). They are read as digits only inside a
# token that is mostly digits ("15O312"), or alone among digits ("1 5 O 3 ..."): never in words.
_LOOK_ALIKES = {
    **dict.fromkeys("OoОоΟο", "0"), **dict.fromkeys("Il|ІіӀӏΙ", "1"), **dict.fromkeys("Zz", "2"),
    **dict.fromkeys("Зз", "3"), **dict.fromkeys("SsЅѕ", "5"), **dict.fromkeys("bбG", "6"),
    **dict.fromkeys("BВ", "8"), **dict.fromkeys("gq", "9"),
}
_WORD = re.compile(r"(?:[^\W_]|\|)+")
# What may stand between the digit groups of one number: spaces, dots, dashes, slashes, underscores.
_GROUP_GAP = re.compile(r"[ \t.\-/\\_·•∙⋅*'+&]{1,3}")
_CONNECTORS = frozenset({"og", "and"})


def _digit_or_none(char: str) -> str | None:
    if "0" <= char <= "9":
        return char
    if char.isdecimal():  # other scripts' digits ("١٥٠٣")
        return str(unicodedata.decimal(char))
    return None


def normalise(text: str) -> str:
    """Undo the easy disguises before looking.

    HTML entities (also double-encoded) and tags, Unicode compatibility forms (full-width and
    superscript digits, no-break spaces), invisible and combining characters, other scripts'
    digits, typographic dashes and slashes. Letters are left alone: see ``_read_look_alikes``.
    """
    for _ in range(_HTML_ROUNDS):
        unescaped = html.unescape(_TAG.sub(" ", text))
        if unescaped == text:
            break
        text = unescaped
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        _digit_or_none(c) or c for c in text if unicodedata.category(c) not in _DROPPED_CATEGORIES
    )
    return text.translate(_DASHES).translate(_SLASHES)


def _candidate(token: str) -> bool:
    """A token that could be a number written partly in look-alike letters."""
    if not all(c.isdigit() or c in _LOOK_ALIKES for c in token):
        return False
    return any(c.isdigit() for c in token) or (len(token) <= 3 and token.lower() not in _CONNECTORS)


def _read_look_alikes(text: str) -> str:
    """The text with look-alike letters read as digits where they stand for digits.

    A token of digits and look-alikes with at least as many digits ("15O312", "2OI2") is read as
    a number. So is a short run of look-alikes ("O", "Ol") in a group of tokens that is clearly a
    number (six or more digits, twice as many as look-alikes): between two of its tokens, or
    anywhere in a number spelled out digit by digit ("l 5 O 3 ..."). "Bo", "Solo", "I 2026" and
    "1.g" stay what they are; "15B" becomes a number too short to matter.
    """
    groups: list[list[re.Match[str]]] = []
    for match in _WORD.finditer(text):
        if not _candidate(match.group()):
            groups.append([])
            continue
        if groups and groups[-1] and _GROUP_GAP.fullmatch(text, groups[-1][-1].end(), match.start()):
            groups[-1].append(match)
        else:
            groups.append([match])
    pieces: list[str] = []
    last = 0
    for group in groups:
        tokens = [m.group() for m in group]
        look_alikes = sum(not c.isdigit() for t in tokens for c in t)
        if not look_alikes:
            continue
        digits = sum(c.isdigit() for t in tokens for c in t)
        numeric_group = digits >= 6 and digits >= 2 * look_alikes
        spelled_out = all(len(t) == 1 for t in tokens)  # "l 5 O 3 1 2 ..."
        for i, (match, token) in enumerate(zip(group, tokens, strict=True)):
            own_digits = sum(c.isdigit() for c in token)
            inside = 0 < i < len(group) - 1 or spelled_out
            if (own_digits and own_digits >= len(token) - own_digits) or (numeric_group and inside):
                pieces += [text[last:match.start()], "".join(_LOOK_ALIKES.get(c, c) for c in token)]
                last = match.end()
    return "".join(pieces) + text[last:]


_CPR = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})(?:[-\s]?|\s*[&+]\s*|\s+(?:og|and)\s+)(\d)(\d{3})(?!\d)", re.I)
# "15.03.12-4987", "15/03/12 4987": a date with a two-digit year, then the four digits.
_CPR_DATED = re.compile(r"(?<!\d)(?<!\d[./-])(\d{2})([./-])(\d{2})\2(\d{2})\s*[-./_ ]\s*(\d)(\d{3})(?!\d)")
# Digit groups joined by separators or a connecting word, taken as one number: "1 5 0 3 1 2 4 9 8 7",
# "15 03 12 49 87", "150312 og 4987". The whole run must be ten digits (see ``_cpr_in_run``).
_RUN_GAP = r"(?:[ \t]{0,3}(?:[.\-/\\_·•∙⋅*'+&]{1,2}|og|and)[ \t]{0,3}|[ \t]{1,3})"
_DIGIT_RUN = re.compile(rf"\d+(?:{_RUN_GAP}\d+)+", re.I)
_GAP_SPLIT = re.compile(rf"({_RUN_GAP})", re.I)
_DATE_BOUNDARIES = frozenset({2, 4, 6})


def _cpr_in_run(run: str, today: date) -> bool:
    """Whether a run of digit groups reads as one CPR number rather than dates, times or amounts.

    Ten digits with a valid, past date part, grouped as a CPR number is disguised: split evenly
    ("1 5 0 3 ...", "15 03 12 49 87", "150312 og 4987"), or the date split and the four digits
    after it ("15.03.12-4987", "1503 12 4987"). Not a date range ("10.03-14.03.26"), a number
    before a date ("12 12.03.2027"), counting ("10 11 12 13 14") or an amount ("1.203.140.326").
    """
    if sum(c.isdigit() for c in run) != 10:
        return False
    parts = _GAP_SPLIT.split(run)
    groups, gaps = parts[0::2], [gap.strip().lower() or " " for gap in parts[1::2]]
    digits = "".join(groups)
    lengths = [len(g) for g in groups]
    if lengths[0] <= 3 and all(n == 3 for n in lengths[1:]):
        return False  # an amount
    numbers = [int(g) for g in groups]
    if all(b - a == 1 for a, b in itertools.pairwise(numbers)):
        return False  # counting: "uge 10 11 12 13 14"
    for i in range(len(groups) - 2):
        d, m, y = numbers[i : i + 3]
        if lengths[i + 2] == 4 and gaps[i] == gaps[i + 1] and 1900 <= y <= 2100 and _date(y, m, d):
            return False  # a full date among other numbers: "nr. 12 12.03.2027", "20 12 2026 kl 12"
    if len(set(gaps)) > 1:
        ends = [sum(lengths[: i + 1]) for i in range(len(lengths) - 1)]
        if not set(ends) <= _DATE_BOUNDARIES:
            return False  # a date range or a list: "10.03-14.03.26"
        if len({gap for end, gap in zip(ends, gaps, strict=True) if end < 6}) > 1:
            return False  # the date part itself written two ways: "20 12.03.2027"
    born = birth_date_or_none(digits[0:2], digits[2:4], digits[4:6], digits[6])
    return born is not None and born <= today


def _holds_cpr(plain: str, today: date) -> bool:
    for match in _CPR.finditer(plain):
        if birth_date_or_none(*match.group(1, 2, 3, 4)) is not None:
            return True
    for match in _CPR_DATED.finditer(plain):
        if birth_date_or_none(*match.group(1, 3, 4, 5)) is not None:
            return True
    return any(_cpr_in_run(match.group(), today) for match in _DIGIT_RUN.finditer(plain))


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
_D = "[0-9OoIl|]"  # specific enough a shape to allow look-alikes for every digit
_JOURNAL = re.compile(rf"(?<![\w.]){_D}{{2}}\.{_D}{{2}}\.{_D}{{2}}-[a-zæøå]{_D}{{2}}-{_D}+-{_D}{{2}}(?![\w])", re.I)

_MONTHS = {
    "januar": 1, "jan": 1, "februar": 2, "feb": 2, "marts": 3, "mar": 3, "april": 4, "apr": 4, "maj": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_BIRTH_WORD = r"(?:født|foedt|fodt|f\.|fødselsdato|fødselsdag|fødd|born|d\.o\.b\.?|dob)"
_DMY = r"(?P<d>\d{1,2})\s?[-./]\s?(?P<m>\d{1,2})\s?[-./]\s?(?P<y>\d{4}|\d{2})"
_YMD = r"(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})"
_TEXTUAL = rf"(?P<d3>\d{{1,2}})\s?\.?\s*(?P<mn>{_MONTH_NAMES})\.?\s*(?P<y3>\d{{4}})"
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
    """The first kind of case data the text seems to hold, or ``None``.

    The text is looked at as written (after ``normalise``) and with look-alike letters read as
    digits (``_read_look_alikes``); either view holding case data refuses it.
    """
    if not text:
        return None
    plain = normalise(text)
    views = list(dict.fromkeys((plain, _read_look_alikes(plain))))
    if any(_holds_cpr(view, today) for view in views):
        return Refusal.CPR
    if any(_holds_case_reference(view) for view in views):
        return Refusal.CASE_REFERENCE
    if any(_holds_birth_date(view, today) for view in views):
        return Refusal.BIRTH_DATE
    return None


def _holds_case_reference(plain: str) -> bool:
    return any(pattern.search(plain) for pattern in (_UUID, _CASE_REF, _JOURNAL, _SHORT_ID))


def _holds_birth_date(plain: str, today: date) -> bool:
    for match in _KEYWORD_DATE.finditer(plain):
        g = match.groupdict()
        if g["d"]:
            day = _date(_full_year(g["y"], today), int(g["m"]), int(g["d"]))
        elif g["y2"]:
            day = _date(int(g["y2"]), int(g["m2"]), int(g["d2"]))
        else:
            day = _date(int(g["y3"]), _MONTHS[g["mn"].lower()], int(g["d3"]))
        if day is not None and day <= today:
            return True
    for match in _NUMERIC_DATE.finditer(plain):
        g = match.groupdict()
        day = (_date(int(g["y"]), int(g["m"]), int(g["d"])) if g["d"]
               else _date(int(g["y2"]), int(g["m2"]), int(g["d2"])))
        if day is not None and BIRTH_DATE_MIN_YEARS_BACK <= _years_back(day, today) <= BIRTH_DATE_MAX_YEARS_BACK:
            return True
    return False


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
