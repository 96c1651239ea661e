"""Free text in a contract: any printable text, with line breaks and tabs, never control characters.

A NUL byte cannot be stored in PostgreSQL and the other C0 controls (and DEL) have no place in a
person's text; they are refused with a reason that never repeats the value. ``Text`` is one such
field; ``PlainText`` is a model none of whose strings may hold one (every request body a service takes).
"""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, field_validator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


Text = Annotated[str, AfterValidator(refuse_control_characters)]


class PlainText(BaseModel):
    """A model none of whose strings, also in a list, holds a control character, whatever its field's type."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                refuse_control_characters(text)
        return value
