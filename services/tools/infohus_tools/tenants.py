"""``make check-tenants``: rows this instance stored for municipalities it does not serve, and their removal.

    python -m infohus_tools.tenants check
    python -m infohus_tools.tenants delete --municipality 851 [--yes]
    python -m infohus_tools.tenants move --municipality 851 --to-org kommune-851 --export <dir> [--yes]

``check`` counts, per service, table and municipality, the rows of the tables that carry a
``municipality_code`` (intake, assessment, registry, notify) for a municipality the instance does not
serve (``INFOHUS_MUNICIPALITIES``, ``tenancy.py``), and exits 1 when there are any. It prints counts
only, never a row. ``delete`` removes one such municipality's rows and everything under them (what the
service erases at the end of retention, plus the rows that carry the code), keeps a proof of deletion
and writes the processing log. ``move`` first exports the same rows as JSON (``<dir>/<service>.json``,
readable by the owner only), for import by the instance of the controller named by ``--to-org``, then
deletes them.
"""

import argparse
import asyncio
import importlib
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Delete, Table, delete, func, select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_platform.audit import processing_log
from infohus_platform.audit.erasure import erase
from infohus_platform.db import Database
from infohus_platform.migrations import upgrade
from infohus_platform.settings import ServiceSettings
from infohus_platform.tenancy import derived_municipalities

from .migrations import service_tables

SERVICES = ("intake", "assessment", "registry", "notify")
ACTOR = "tool:tenants"
RULE = "foreign_tenant"  # the rule an erasure proof names


@dataclass
class Service:
    name: str
    settings: ServiceSettings
    storage: ModuleType
    db: Database

    @property
    def tables(self) -> list[type[SQLModel]]:
        """The service's tables that carry a municipality code."""
        return [t for t in self.storage.TABLES if "municipality_code" in _table(t).columns]


@dataclass
class Removal:
    """What one service removes for one municipality: per concern, and the rows without a concern."""

    by_concern: dict[str, list[Delete]] = field(default_factory=dict)
    loose: list[Delete] = field(default_factory=list)

    def statements(self) -> list[Delete]:
        return [s for statements in self.by_concern.values() for s in statements] + self.loose


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined]


def _settings(name: str) -> ServiceSettings:
    module = importlib.import_module(f"infohus_{name}.settings")
    cls = next(v for k, v in vars(module).items() if k.endswith("Settings") and k != "ServiceSettings")
    return cls()


async def open_service(name: str) -> Service:
    settings = _settings(name)
    db = Database(settings.storage_url())
    await db.start()
    await db.run_sync(upgrade, *service_tables(name))
    return Service(name, settings, importlib.import_module(f"infohus_{name}.storage"), db)


async def foreign_counts(service: Service) -> list[tuple[str, str, int]]:
    """(table, municipality, rows) for every municipality the instance does not serve."""
    served = sorted(service.settings.municipalities)
    counts = []
    async with service.db.session() as session:
        connection = await session.connection()
        for model in service.tables:
            code = _table(model).c.municipality_code
            query = (select(code, func.count()).where(code.is_not(None), code.not_in(served))
                     .group_by(code).order_by(code))
            counts += [(_table(model).name, str(c), int(n)) for c, n in (await connection.execute(query)).all()]
    return counts


async def planned_removal(session: AsyncSession, service: Service, code: str) -> Removal:
    """The service's erasure statements for every concern of the municipality, then whatever else carries
    its code (a meeting, a registration: the registry has no erasure statements, it anonymises)."""
    erasure = getattr(service.storage, "erasure_deletes", None)
    connection = await session.connection()
    removal = Removal()
    for model in service.tables:
        table = _table(model)
        mine = table.c.municipality_code == code
        if "concern_id" in table.columns:
            for (concern_id,) in (await connection.execute(select(table.c.concern_id).where(mine))).all():
                if concern_id is not None:
                    removal.by_concern.setdefault(str(concern_id), erasure(str(concern_id)) if erasure else [])
        removal.loose.append(delete(table).where(mine))
    return removal


async def exported_rows(session: AsyncSession, statements: list[Delete]) -> dict[str, list[dict[str, Any]]]:
    """The rows ``statements`` would delete, per table, each once."""
    connection = await session.connection()
    tables: dict[str, dict[tuple, dict[str, Any]]] = {}
    for statement in statements:
        table = statement.table
        assert isinstance(table, Table) and statement.whereclause is not None
        rows = (await connection.execute(select(table).where(statement.whereclause))).mappings().all()
        keyed = tables.setdefault(table.name, {})
        for row in rows:
            keyed[tuple(row[c.name] for c in table.primary_key.columns)] = dict(row)
    return {name: list(rows.values()) for name, rows in tables.items() if rows}


async def remove(service: Service, code: str, *, to_org: str | None, export: Path | None) -> int:
    """Delete (after exporting, for a move) one municipality's rows in one transaction; returns the rows."""
    async with service.db.session() as session:
        removal = await planned_removal(session, service, code)
        if export is not None:
            tables = await exported_rows(session, removal.statements())
            _write_export(export / f"{service.name}.json", {
                "service": service.name, "from_org": service.settings.infohus_org, "to_org": to_org,
                "municipality_code": code, "exported_at": datetime.now(UTC).isoformat(), "tables": tables})
        deleted = 0
        for concern_id, statements in removal.by_concern.items():
            deleted += await erase(session, service.name, concern_id, RULE, statements)
        for statement in removal.loose:
            deleted += (await session.exec(statement)).rowcount or 0
        action = f"tenant.move:{to_org}" if to_org else "tenant.delete"
        await processing_log.record(session, actor=ACTOR, action=action, purpose="compliance",
                                    subjects=list(removal.by_concern) or [None], data_classes=_classes(service))
        await session.commit()
    return deleted


def _classes(service: Service) -> list[str]:
    return sorted({c for model in service.storage.TABLES for c in getattr(model, "__data_classes__", {}).values()})


def _write_export(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds personal data
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(content, out, ensure_ascii=False, indent=2, default=str)


async def run(args: argparse.Namespace) -> int:
    services = [await open_service(name) for name in SERVICES]
    try:
        counts = {service.name: await foreign_counts(service) for service in services}
        if args.command == "check":
            return report(counts, services[0].settings)
        return await correct(args, services, counts)
    finally:
        for service in services:
            await service.db.dispose()


def report(counts: dict[str, list[tuple[str, str, int]]], settings: ServiceSettings) -> int:
    found = [(name, *row) for name, rows in counts.items() for row in rows]
    served = ", ".join(sorted(settings.municipalities))
    if not found:
        print(f"ok: no rows for municipalities {settings.infohus_org} does not serve (it serves {served})")
        return 0
    print(f"{'service':<11} {'table':<20} {'municipality':<13} rows")
    for name, table, code, rows in found:
        print(f"{name:<11} {table:<20} {code:<13} {rows}")
    print(f"{sum(r[3] for r in found)} rows for municipalities {settings.infohus_org} does not serve "
          f"(it serves {served}); move or delete them: python -m infohus_tools.tenants --help")
    return 1


async def correct(args: argparse.Namespace, services: list[Service],
                  counts: dict[str, list[tuple[str, str, int]]]) -> int:
    code, settings = args.municipality, services[0].settings
    if code in settings.municipalities:
        print(f"refused: {settings.infohus_org} serves municipality {code}; its rows stay", file=sys.stderr)
        return 2
    to_org = getattr(args, "to_org", None)
    if to_org is not None and code not in _municipalities_of(to_org):
        print(f"refused: {to_org} does not serve municipality {code}", file=sys.stderr)
        return 2
    rows = sum(n for found in counts.values() for _, c, n in found if c == code)
    if rows == 0:
        print(f"nothing to do: no rows for municipality {code}")
        return 0
    if not args.yes and not _confirmed(f"{args.command} {rows} rows (and the rows under them) of municipality "
                                       f"{code}? Type the code to confirm: ", code):
        print("nothing done (confirm with --yes)", file=sys.stderr)
        return 2
    export = Path(args.export) if args.command == "move" else None
    for service in services:
        deleted = await remove(service, code, to_org=to_org, export=export)
        print(f"{service.name:<11} {deleted:>6} rows {'moved' if export else 'deleted'}")
    if export:
        print(f"exported to {export}/ for import by {to_org}")
    return 0


def _municipalities_of(org: str) -> frozenset[str]:
    try:
        return derived_municipalities(org)
    except ValueError:
        return frozenset()


def _confirmed(question: str, code: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return input(question).strip() == code


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m infohus_tools.tenants", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="count rows of unserved municipalities; exit 1 when there are any")
    for name, text in (("delete", "delete one unserved municipality's rows"),
                       ("move", "export one unserved municipality's rows as JSON, then delete them")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--municipality", required=True, help="the kommunekode, e.g. 851")
        command.add_argument("--yes", action="store_true", help="do not ask")
        if name == "move":
            command.add_argument("--to-org", required=True, help="the controller that should hold them")
            command.add_argument("--export", required=True, help="folder for the JSON files, one per service")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
