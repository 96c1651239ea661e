"""Network's HTTP API: the district forum (members, meetings, knowledge) and its statistics.

Thin: every route asks the access policy first (``network.*`` actions, the member's own police
district) and hands over to one use case in ``service``. Nothing here takes or returns data about a case.
"""

from fastapi import APIRouter

from . import district, knowledge, meetings, statistics

# In this order in the OpenAPI document.
routers: list[APIRouter] = [statistics.router, district.router, meetings.router, knowledge.router]

__all__ = ["routers"]
