"""Free text in a contract: any printable text, with line breaks and tabs, never control characters.

A NUL byte cannot be stored in PostgreSQL and the other C0 controls (and DEL) have no place in a
person's text; they are refused with a reason that never repeats the value.
"""

import re
from typing import Annotated

from pydantic import AfterValidator

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


Text = Annotated[str, AfterValidator(refuse_control_characters)]
