"""Messages from Jinja2 templates (Danish) that compliance staff can edit; rendered in the sandbox."""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, Undefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
DANISH_TIME = ZoneInfo("Europe/Copenhagen")
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def dato(value: Any, time: bool = True) -> str:
    """'24. november 2026 kl. 10.00' in Danish time; accepts datetimes, dates and ISO strings."""
    if isinstance(value, Undefined) or value in (None, ""):
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        local = value.astimezone(DANISH_TIME) if value.tzinfo else value
        text = f"{local.day}. {MONTHS[local.month - 1]} {local.year}"
        return f"{text} kl. {local:%H.%M}" if time else text
    if isinstance(value, date):
        return f"{value.day}. {MONTHS[value.month - 1]} {value.year}"
    return str(value)


class Templates:
    def __init__(self, custom_dir: Path | None = None) -> None:
        loaders = [FileSystemLoader(str(custom_dir))] if custom_dir else []
        loaders.append(FileSystemLoader(str(BUILTIN_TEMPLATES)))
        self.text_env = SandboxedEnvironment(loader=ChoiceLoader(loaders), autoescape=False,
                                             undefined=Undefined, keep_trailing_newline=True)
        self.text_env.filters["dato"] = dato
        self.html_env = SandboxedEnvironment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(default=True),
                                             undefined=StrictUndefined)

    def render(self, template_name: str, context: dict[str, Any]) -> RenderedMessage:
        template = self.text_env.get_template(f"{template_name}.j2")
        ctx = template.new_context(dict(context))
        subject = " ".join("".join(template.blocks["subject"](ctx)).split())
        body = _tidy("".join(template.blocks["body"](ctx)))
        html = self.html_env.get_template("_html.j2").render(subject=subject, blocks=html_blocks(body))
        return RenderedMessage(subject=subject, text=body, html=html)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def html_blocks(body: str) -> list[dict[str, Any]]:
    """Paragraphs (blank-line separated); a short first line without a full stop is a heading; '- ' lines a list."""
    blocks = []
    for paragraph in body.strip().split("\n\n"):
        lines = [line for line in paragraph.splitlines() if line.strip()]
        if not lines:
            continue
        heading = None
        if len(lines) > 1 and len(lines[0]) < 60 and not lines[0].rstrip().endswith((".", ":", ",")):
            heading, lines = lines[0], lines[1:]
        if all(line.startswith("- ") for line in lines):
            blocks.append({"heading": heading, "entries": [line[2:] for line in lines], "lines": []})
        else:
            blocks.append({"heading": heading, "entries": [], "lines": lines})
    return blocks
