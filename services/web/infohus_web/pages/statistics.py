"""Statistics from the basic registration: each breakdown as an inline SVG bar chart with a table beside it."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from .. import labels
from ..charts import Bar, bar_chart
from ..core import refused, render, require_session, web_of

router = APIRouter()

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
BREAKDOWNS = [
    ("by_period", "Henvendelser pr. måned", None),
    ("concern_levels", "Bekymringsniveau", labels.CONCERN_LEVELS | {"ukendt": "Ikke vurderet"}),
    ("outcomes", "Indledende vurdering", labels.OUTCOMES_SHORT),
    ("sources", "Hvem henvendelsen kom fra", labels.SOURCES | {"ukendt": "Ukendt"}),
    ("age_bands", "Alder", labels.AGE_BANDS | {"ukendt": "Ukendt alder"}),
    ("efforts", "Indsats", labels.EFFORT_LEVELS | {"ukendt": "Ingen indsats (endnu)"}),
]
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]


@router.get("/statistik", response_class=HTMLResponse)
async def statistics(request: Request, fra: Annotated[str | None, Query(pattern=MONTH)] = None,
                     til: Annotated[str | None, Query(pattern=MONTH)] = None) -> Response:
    session = require_session(request)
    params = {k: v for k, v in {"from": fra, "to": til}.items() if v}
    result = await web_of(request).services.call("registry", "GET", "/api/v1/statistics", session.token, params=params)
    if not result.ok:
        return refused(request, result, what="statistikken")
    return render(request, "statistics.html", title="Statistik", stats=result.body, charts=_charts(result.body),
                  period={"fra": fra or "", "til": til or ""})


def _charts(stats: dict[str, Any]) -> list[dict[str, Any]]:
    """One chart per breakdown, its counts named in Danish; the bars are also the table's rows."""
    charts = []
    for key, title, names in BREAKDOWNS:
        counts: dict[str, int] = stats.get(key) or {}
        bars = [Bar(names.get(k, k) if names else _month(k), int(v)) for k, v in counts.items()]
        chart_id = f"diagram-{key.replace('_', '-')}"
        charts.append({"id": chart_id, "title": title, "svg": bar_chart(chart_id, title, bars), "rows": bars})
    return charts


def _month(period: str) -> str:
    try:
        year, month = period.split("-")
        return f"{MONTHS[int(month) - 1]} {year}"
    except (ValueError, IndexError):
        return period
