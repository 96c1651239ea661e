"""Danish municipalities (kommuner) and police districts (politikredse), as data."""

import json
from functools import cache
from importlib.resources import files


@cache
def _data() -> dict:
    return json.loads(files(__package__).joinpath("municipalities.json").read_text("utf-8"))


def municipality_name(code: str) -> str | None:
    return _data()["municipalities"].get(code)


def is_municipality(code: str) -> bool:
    return code in _data()["municipalities"]


def police_district_of(code: str) -> str | None:
    for district_id, district in _data()["districts"].items():
        if code in district["municipalities"]:
            return district_id
    return None


def police_districts() -> dict[str, dict]:
    return dict(_data()["districts"])
