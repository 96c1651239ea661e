"""The services' answers in Danish: 422 field errors next to the field, 403 refusals with the policy's reasons.

A 422 carries ``errors: [{"field": "person.cpr", "reason": ..., "type": ...}]`` (never the rejected
value). ``field_errors`` maps each to a form field and translates the common reasons; a reason it
does not know is shown as the service gave it.
"""

import re
from collections.abc import Callable
from typing import Any

# Known reasons (substrings of the services' messages) -> Danish.
_REASONS: list[tuple[str, str]] = [
    ("must be 10 digits", "CPR-nummeret skal være 10 cifre (DDMMÅÅXXXX)."),
    ("must be a string of 10 digits", "CPR-nummeret skal være 10 cifre (DDMMÅÅXXXX)."),
    ("the first six digits are not a valid date", "CPR-nummerets første seks cifre er ikke en gyldig dato."),
    ("the date part lies in the future", "CPR-nummerets dato ligger i fremtiden."),
    ("birth_date does not match the date part of cpr", "Fødselsdatoen passer ikke med CPR-nummerets dato."),
    ("unknown municipality code", "Ukendt kommunekode."),
    ("an anonymous concern carries no reporter", "En anonym henvendelse har ingen oplysninger om anmelderen."),
    ("must not be in the future", "Datoen må ikke ligge i fremtiden."),
    ("must be after today", "Datoen skal ligge efter i dag."),
    ("must be in the future", "Tidspunktet skal ligge i fremtiden."),
    ("an urgent meeting is held within a week", "Et hastemøde holdes inden for en uge."),
    ("a next-day meeting is held tomorrow", "Et møde med en dags varsel holdes i morgen."),
    ("required for an urgent or next-day meeting",
     "Angiv tidspunktet for et hastemøde eller et møde med en dags varsel."),
    ("an unfounded concern is closed with a reason", "Skriv hvorfor bekymringen er ubegrundet."),
    ("say which authority the concern was forwarded to", "Skriv hvilken myndighed henvendelsen er sendt videre til."),
    ("the initial assessment has already been made", "Den indledende vurdering er allerede foretaget."),
    ("enrichment follows an initial assessment",
     "Berigelse kræver en indledende vurdering, der har begrundet bekymringen."),
    ("the case is closed", "Sagen er lukket."),
    ("make the initial assessment first", "Foretag den indledende vurdering først."),
    ("assess the case with the assessment tool before deciding",
     "Vurdér sagen med vurderingsværktøjet, før der træffes beslutning."),
    ("this decision is not awaiting leadership approval", "Beslutningen afventer ikke ledelsens godkendelse."),
    ("no PET report is awaiting sign-off", "Der er ingen indberetning til PET, der afventer godkendelse."),
    ("a second person must sign off", "En anden person end den, der traf beslutningen, skal godkende indberetningen."),
    ("follow-up starts once an effort has started", "Opfølgning begynder, når indsatsen er startet."),
    ("not a dimension of instrument", "Ukendt dimension i vurderingsværktøjet."),
    ("key already used for a different concern",
     "Formularen er allerede sendt med et andet indhold. Åbn en ny formular."),
]

# Pydantic's error types -> Danish.
_TYPES: dict[str, str] = {
    "missing": "Feltet skal udfyldes.",
    "string_too_short": "Feltet skal udfyldes.",
    "too_short": "Vælg mindst én.",
    "string_too_long": "Teksten er for lang.",
    "date_parsing": "Ugyldig dato. Skriv datoen som dd-mm-åååå.",
    "date_from_datetime_parsing": "Ugyldig dato.",
    "date_from_datetime_inexact": "Ugyldig dato.",
    "datetime_parsing": "Ugyldigt tidspunkt.",
    "datetime_from_date_parsing": "Ugyldigt tidspunkt.",
    "date_type": "Ugyldig dato.",
    "int_parsing": "Skriv et helt tal.",
    "int_from_float": "Skriv et helt tal.",
    "greater_than_equal": "Tallet er for lille.",
    "less_than_equal": "Tallet er for stort.",
    "enum": "Vælg en af mulighederne.",
    "literal_error": "Vælg en af mulighederne.",
    "string_pattern_mismatch": "Ugyldigt format.",
    "bool_parsing": "Vælg ja eller nej.",
    "uuid_parsing": "Ugyldigt id.",
    "extra_forbidden": "Feltet kendes ikke.",
}


def translate(reason: str, kind: str | None = None) -> str:
    lowered = (reason or "").lower()
    for needle, danish in _REASONS:
        if needle.lower() in lowered:
            return danish
    if kind and kind in _TYPES:
        return _TYPES[kind]
    return reason or "Ugyldig værdi."


def field_errors(body: Any, field_map: Callable[[str], str] | None = None) -> dict[str, str]:
    """``{form field: Danish message}`` from a 422 body. Errors without a field go under ``""``."""
    errors: list[dict] = []
    if isinstance(body, dict):
        if isinstance(body.get("errors"), list):
            errors = body["errors"]
        elif isinstance(body.get("detail"), dict) and "field" in body["detail"]:
            errors = [body["detail"]]
    out: dict[str, str] = {}
    for error in errors:
        if not isinstance(error, dict):
            continue
        field = str(error.get("field") or "")
        # A model-level error ends in the model's path; "person" for the CPR/birth-date consistency check.
        field = _strip_validator_suffix(field)
        if field_map is not None:
            field = field_map(field)
        message = translate(str(error.get("reason") or ""), error.get("type"))
        out.setdefault(field, message)
    return out


def _strip_validator_suffix(field: str) -> str:
    # Union and function validators may add a segment such as "function-after[...]".
    return ".".join(p for p in field.split(".") if not re.match(r"^[a-z-]+\[.*\]$", p))


def refusal_reasons(body: Any) -> list[str]:
    """The policy's reasons from a 403 (``detail.reasons``), or the detail itself."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict) and isinstance(detail.get("reasons"), list):
        reasons = [str(r) for r in detail["reasons"] if r]
        return reasons or ["politikken gav ingen begrundelse"]
    if isinstance(detail, str) and detail:
        return [detail]
    return ["politikken gav ingen begrundelse"]
