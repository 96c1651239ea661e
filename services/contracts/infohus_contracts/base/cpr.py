"""The CPR number's rules (CPR-nummer: DDMMYY and four digits), written once.

Case contracts validate a person's CPR number with ``validate_cpr``; the network's free-text guard
uses ``birth_date_or_none`` to recognise one inside a text.
"""

from datetime import UTC, date, datetime


def birth_date_from_cpr(cpr: str) -> date:
    """The birth date in a CPR number (DDMMYY plus the century rule of the 7th digit).

    Raises ``ValueError`` when the first six digits are not a date.
    """
    day, month, yy, century_digit = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if century_digit <= 3:
        century = 1900
    elif century_digit in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    return date(century + yy, month, day)


def birth_date_or_none(dd: str, mm: str, yy: str, century_digit: str) -> date | None:
    """The birth date a CPR number's first seven digits give, or ``None`` if there is none."""
    try:
        return birth_date_from_cpr(f"{dd}{mm}{yy}{century_digit}")
    except ValueError:
        return None


def validate_cpr(value: object) -> str | None:
    """A CPR number as 10 digits (a dash and spaces removed), or ``None`` when empty.

    Raises ``ValueError`` with a reason that never repeats the value.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("must be a string of 10 digits")
    digits = value.replace("-", "").strip()
    if len(digits) != 10 or not digits.isdigit():
        raise ValueError("must be 10 digits (DDMMYYXXXX)")
    try:
        born = birth_date_from_cpr(digits)
    except ValueError:
        raise ValueError("the first six digits are not a valid date") from None
    if born > datetime.now(UTC).date():
        raise ValueError("the date part lies in the future")
    return digits
