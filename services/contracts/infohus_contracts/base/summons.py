"""What the district network sends: a summons of its members to a network meeting.

The network holds no case and imports no case contract, so its summons is a contract of its own,
on its own topic (``infohus.network.summons.v1``); notify turns it into e-mails to the participants.
It carries ids, the meeting's start and the members' work addresses: never agenda text.
"""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from .classes import DataClass, classified
from .contract import Contract

P = DataClass.PROCESS


class MeetingUrgency(StrEnum):
    REGULAR = "regular"
    URGENT = "urgent"  # a meeting within one week of the concern (LEGAL.md §3.1)
    NEXT_DAY = "next_day"  # a meeting at one day's notice (LEGAL.md §3.1)


class MeetingParticipant(Contract):
    """A network member invited to the meeting, by work e-mail address."""

    email: str = classified(DataClass.IDENTITY, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                            description="a network meeting participant's work address")


class MeetingSummonsRequested(Contract):
    """``infohus.network.summons.v1``: summon these members to a meeting of the district network."""

    notification_id: UUID = classified(P)
    police_district: str = classified(P, max_length=40)
    meeting_id: UUID = classified(P)
    starts_at: datetime = classified(P, description="when the meeting starts")
    meeting_urgency: MeetingUrgency = classified(P)
    participants: list[MeetingParticipant] = Field(min_length=1, max_length=50)
    requested_at: datetime = classified(P)
    link_path: str = classified(P, max_length=200, pattern=r"^/[A-Za-z0-9/_-]*$",
                                description="a path inside the platform UI (no query string, no personal data)")
