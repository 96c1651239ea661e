"""The question every route asks the access policy first: this action, on this kind, in our district."""

from infohus_platform.auth import Guard
from infohus_platform.runtime import Runtime

from ..service.shared import network_settings

READ, POST, MANAGE, STATISTICS = "network.read", "network.post", "network.meeting.manage", "network.statistics.read"


async def allow(access: Guard, runtime: Runtime, action: str, kind: str) -> None:
    district = network_settings(runtime).infohus_district
    await access.require(action, {"type": kind, "municipality_code": None, "police_district": district})
