"""What every use case of the forum shares: the settings, the district's config, the free-text screen.

Every text that reaches the database went through ``screen_free_text`` first, and every post (agenda
item, minutes, knowledge, attachment) carries the author's confirmation that it describes no
individual case (enkeltsag).
"""

from collections.abc import Iterable

import structlog

from infohus_platform.auth import Principal
from infohus_platform.errors import NotFound
from infohus_platform.messaging.outbox import utcnow
from infohus_platform.runtime import Runtime

from .. import domain, freetext
from ..metrics import network_metrics
from ..settings import NetworkSettings
from ..storage import DistrictConfig, ForumRepository, Meeting

log = structlog.get_logger(__name__)


def network_settings(runtime: Runtime) -> NetworkSettings:
    settings = runtime.settings
    assert isinstance(settings, NetworkSettings)
    return settings


def screen_free_text(runtime: Runtime, fields: dict[str, str | Iterable[str] | None], confirmed: bool | None = None,
                     *, post: bool = False) -> None:
    """Refuse a text that points at a person or a case; a ``post`` also needs the author's confirmation."""
    try:
        freetext.screen(fields, utcnow().date())
        if post:
            freetext.require_confirmation(confirmed)
    except freetext.FreeTextRefused as refused:
        # Counted and logged by kind and field only; the text is never logged or echoed.
        network_metrics(runtime).refusals.labels(refused.kind.value).inc()
        log.info("free text refused", field=refused.field, kind=refused.kind.value)
        raise


async def district_config(repo: ForumRepository, settings: NetworkSettings) -> DistrictConfig:
    """The district's cadence as the forum set it, or the settings' starting values."""
    config = await repo.district_config(settings.infohus_district)
    return config or DistrictConfig(district=settings.infohus_district, cadence_months=settings.default_cadence_months,
                                    summon_notice_days=settings.default_summon_notice_days)


def author_municipality(runtime: Runtime, principal: Principal) -> str | None:
    """The author's municipality, if it is one of the district's; otherwise the police side."""
    code = principal.municipality_code
    return code if code and domain.in_district(code, network_settings(runtime).infohus_district) else None


async def meeting_or_not_found(repo: ForumRepository, meeting_id: str) -> Meeting:
    meeting = await repo.meeting(meeting_id)
    if meeting is None:
        raise NotFound("meeting")
    return meeting
