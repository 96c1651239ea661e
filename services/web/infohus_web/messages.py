"""The services' answers in Danish: 422 field errors next to the field, 403 refusals with the policy's reasons.

A 422 carries ``errors: [{"field": "person.cpr", "reason": ..., "type": ...}]`` (never the rejected
value). ``field_errors`` maps each to a form field and translates the common reasons; a reason it
does not know is shown as the service gave it.
"""

import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from infohus_contracts.base.municipalities import municipality_name, police_districts

from . import labels

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
    """``{form field: Danish message}`` from a 422 problem's ``errors``. Errors without a field go under ``""``."""
    errors: list[dict] = []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        errors = body["errors"]
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
    """The policy's reasons from a 403 problem (``reasons``), or its detail."""
    body = body if isinstance(body, dict) else {}
    if isinstance(body.get("reasons"), list):
        reasons = [str(r) for r in body["reasons"] if r]
        return reasons or ["politikken gav ingen begrundelse"]
    detail = body.get("detail")
    if isinstance(detail, str) and detail:
        return [detail]
    return ["politikken gav ingen begrundelse"]


# --- the access policy's reasons (infohus/access/decision) in Danish -------------------------------
# The policy answers in English for the APIs, logs and compliance staff; people at work read Danish.
# A reason that matches none of these is shown in English, marked as such.

_SCOPES = {"municipality": "kommune", "police district": "politikreds", "authority": "myndighed",
           "controller": "dataansvarlige myndighed",
           "municipality_code": "kommune", "police_district": "politikreds"}
_THINGS = {"case": "sagen", "registration": "grundregistreringen", "enrichment_request": "forespørgslen",
           "statistics": "statistikken", "meeting": "mødet", "subject_access": "indsigten",
           "processing_log": "behandlingsloggen", "decision": "beslutningen", "notification": "underretningen"}


def _role(code: str) -> str:
    return labels.label(labels.ROLES, code)


def _roles(codes: str) -> str:
    return ", ".join(_role(code.strip()) for code in codes.split(","))


def _scope_value(scope: str, value: str) -> str:
    if scope == "municipality":
        name = municipality_name(value)
        return f"{name} Kommune" if name else value
    if scope == "police district":
        return police_districts().get(value, {}).get("name", value)
    if scope == "authority":
        return labels.label(labels.AUTHORITIES, value)
    return value


def _thing(code: str) -> str:
    return _THINGS.get(code, "oplysningerne")


_ACCESS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^role '(\w+)' may not perform '([\w.]+)'$"),
     lambda m: f"rollen {_role(m[1])} giver ikke adgang til dette ({m[2]})."),
    (re.compile(r"^'([\w.]+)' is allowed only for: ([\w, ]+?)(?:; (.*))?$"),
     lambda m: f"kun {_roles(m[2])} har adgang til dette ({m[1]})."),
    (re.compile(r"^subject belongs to ([\w ]+?) (\S+), the (\w+) to (\S+)$"),
     lambda m: f"du hører til {_scope_value(m[1], m[2])}, men {_thing(m[3])} hører til "
               f"{_scope_value(m[1], m[4])}."),
    (re.compile(r"^role '(\w+)' acts only within its own ([\w ]+), but the subject has no \w+$"),
     lambda m: f"rollen {_role(m[1])} gælder kun i egen {_SCOPES.get(m[2], m[2])}, og dit login angiver ingen."),
    (re.compile(r"^the (\w+) has no (\w+); role '(\w+)' acts only within its own ([\w ]+)$"),
     lambda m: f"{_thing(m[1]).capitalize()} er ikke knyttet til en {_SCOPES.get(m[2], m[2])}, og rollen "
               f"{_role(m[3])} gælder kun i egen {_SCOPES.get(m[4], m[4])}."),
    (re.compile(r"^role '(\w+)' never handles personal data, and '([\w.]+)' does$"),
     lambda m: f"rollen {_role(m[1])} må aldrig behandle personoplysninger, og det gør dette ({m[2]})."),
    (re.compile(r"^a second person must sign off: "),
     lambda m: "en anden person skal godkende: du har selv anmodet om eller truffet beslutningen."),
    (re.compile(r"^a subject may not hold both a (\w+) role and a (\w+) role"),
     lambda m: "samme login må ikke have både en rolle i netværket og en rolle i sagsbehandlingen."),
    (re.compile(r"^subject has no roles$"), lambda m: "dit login har ingen roller."),
    (re.compile(r"^subject has no known role"), lambda m: "dit login har ingen rolle, platformen kender."),
]


def reason_da(reason: str) -> str | None:
    """The Danish sentence for one of the access policy's reasons, or None when it is not one we know."""
    for pattern, render in _ACCESS:
        match = pattern.match(reason)
        if match:
            return render(match)
    return None


def reason_html(reason: str) -> Markup:
    """A refusal reason for a page: in Danish when known, else the policy's English marked ``lang="en"``."""
    danish = reason_da(reason)
    if danish is not None:
        return Markup("{}").format(danish[0].upper() + danish[1:])
    return Markup('<span lang="en">{}</span>').format(reason)
