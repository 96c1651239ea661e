"""Realistic Danish sample concerns for tests and the demo seed (invented people, valid CPR dates)."""

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

FIRST = ["Åse", "Søren", "Mikkel", "Fatima", "Jonas", "Ida", "Ahmad", "Sofie", "Bjørn", "Mette", "Ølbert", "Karim"]
LAST = ["Jørgensen", "Ærøskøbing", "Nielsen", "Hansen", "Østergaard", "Mortensen", "Kløvedal", "Læsø"]
AREAS = ["Aars", "Farsø", "Løgstør", "Aalestrup", "Ranum", "Gedsted"]
DESCRIPTIONS = [
    "Eleven har tegnet ekstremistiske symboler i sine hæfter og udtrykt støtte til vold mod 'de andre'.",
    "Forældre er bekymrede: sønnen ser voldsforherligende videoer og har trukket sig fra venner og fodbold.",
    "Kollega på jobcentret har hørt personen tale om at rejse ud til en konfliktzone for at kæmpe.",
    "Naboen fortæller om trusler og pres mod andre unge i opgangen for at deltage i møder.",
    "Borgeren deler hadefulde opslag på sociale medier og har kontakt til et kendt miljø.",
]
SOURCES = ["public_school", "youth_adult_education", "association_volunteer", "police", "parent_relative",
           "neighbour", "municipal_caseworker", "private_person", "social_media", "social_housing"]
CHANNELS = ["phone", "email", "in_person", "police_daily_report", "hotline", "web"]
_counter = itertools.count(1)


def cpr_for(birth: datetime, serial: int) -> str:
    """A CPR number whose date part and century digit match ``birth`` (check digit not used since 2007)."""
    century_digit = 4 if birth.year >= 2000 else 0
    return f"{birth:%d%m%y}{century_digit}{serial % 1000:03d}"


def concern(
    *,
    age: int = 16,
    municipality_code: str = "820",
    anonymous: bool = False,
    rng: random.Random | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    rng = rng or random.Random(next(_counter))
    birth = datetime.now(UTC) - timedelta(days=int(age * 365.25) + rng.randint(10, 300))
    body: dict[str, Any] = {
        "municipality_code": municipality_code,
        "channel": rng.choice(CHANNELS),
        "source_category": rng.choice(SOURCES),
        "anonymous": anonymous,
        "person": {
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "cpr": cpr_for(birth, rng.randint(0, 999)),
            "area": rng.choice(AREAS),
            "nationality": rng.choice(["dansk", "syrisk", "somalisk", "dansk/tyrkisk"]),
            "family_network": "Bor hos sin mor og to søskende; far bor i Aalborg.",
            "school_work": rng.choice(["9. klasse på Aars Skole", "HF i Farsø", "Ledig, tilknyttet jobcentret"]),
        },
        "description": rng.choice(DESCRIPTIONS),
        "concern_signs": rng.sample(["extremist_symbols", "spreads_violent_messages", "contempt_for_others",
                                     "personal_crisis"], 2),
    }
    if not anonymous:
        body["reporter"] = {"name": "Lærer Søren Ærø", "organisation": "Aars Skole", "role": "lærer",
                            "phone": "+45 12 34 56 78"}
    body.update(overrides)
    return body
