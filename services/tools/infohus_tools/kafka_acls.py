"""Kafka topics and ACLs derived from the topic catalogue: each principal gets what the catalogue
says it produces or consumes, and nothing else (the broker denies whatever has no ACL).

    python -m infohus_tools.kafka_acls apply [--prefix P] [--partner ID ...]
    python -m infohus_tools.kafka_acls plan  [--prefix P] [--partner ID ...]   # print, no broker
    python -m infohus_tools.kafka_acls revoke --prefix P    # drop a finished test run's grants and topics
    python -m infohus_tools.kafka_acls exchange-apply  --district-file F [--prefix P]
    python -m infohus_tools.kafka_acls exchange-revoke --district-file F --prefix P

``apply`` connects as the super user (``KAFKA_ADMIN_USERNAME``, default ``admin``; its password from
``KAFKA_ADMIN_PASSWORD`` or ``KAFKA_CREDENTIALS_FILE``), creates every catalogue topic, its ``.dlq``
and the partner topics, then makes the ACLs for this prefix exactly the planned ones: missing ones
are created, and grants to the platform's principals on this prefix's ``infohus.*`` topics and
groups that the plan no longer contains are deleted. Running it twice changes nothing.

The grants (``User:<service>``, ``User:partner-<id>``; LITERAL topic patterns):

- a producer of a topic (``Topic.producers``): WRITE, DESCRIBE on the topic;
- a consumer (``Topic.consumers``): READ, DESCRIBE on the topic; READ on its consumer group
  (``ServiceSettings.group_id()``); WRITE, DESCRIBE on the topic's ``.dlq``, where it dead-letters;
- notify: WRITE, DESCRIBE on every partner topic ``infohus.partner.<id>.v1``;
- partner ``<id>``: READ, DESCRIBE on its own topic; READ on groups starting ``<prefix>partner-<id>``.

On the district's exchange cluster (``EXCHANGE_BOOTSTRAP_SERVERS``, a Kafka apart from every instance's own,
``EXCHANGE_*`` settings like the ``KAFKA_*`` ones) each organisation is its own principal ``User:<org id>``.
``exchange-apply`` creates one topic per link of the district file (``District.links()``,
``<prefix>infohus.x.<sender>.<recipient>.v1``) and grants, and nothing else (no wildcard, no CREATE):

- the sender: WRITE, DESCRIBE on the link topic;
- the recipient: READ, DESCRIBE on it; READ on groups starting ``<prefix><recipient>.`` (PREFIXED), the
  groups ``<prefix><org>.<service>`` of its receiving services.

Like ``apply`` it makes the organisations' grants under this prefix exactly the planned ones (a link whose
agreements were removed loses its grants). ``exchange-revoke`` deletes them and the link topics.

The broker needs ``authorizer.class.name`` set (``deploy/local/infra.sh`` does this).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pydantic_settings import BaseSettings, SettingsConfigDict

from infohus_contracts.base.district import ORG_PATTERN, District, link_of, link_topic, load_district
from infohus_contracts.base.topics import DEAD_LETTER_SUFFIX, PARTNER_TOPIC_PRODUCERS, partner_topic
from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.settings import ServiceSettings

PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
TOPIC, GROUP = "TOPIC", "GROUP"
LITERAL, PREFIXED = "LITERAL", "PREFIXED"
READ, WRITE, DESCRIBE = "READ", "WRITE", "DESCRIBE"
# Every service that produces or consumes: the principals whose grants the catalogue decides.
SERVICES = tuple(sorted({s for t in ALL_TOPICS for s in (*t.producers, *t.consumers)} | set(PARTNER_TOPIC_PRODUCERS)))


@dataclass(frozen=True, order=True)
class Grant:
    """One ACL; the plan only has ALLOW from any host."""

    principal: str
    resource_type: str
    pattern: str
    name: str
    operation: str
    permission: str = "ALLOW"
    host: str = "*"

    def __str__(self) -> str:
        extra = "" if (self.permission, self.host) == ("ALLOW", "*") else f"  ({self.permission} from {self.host})"
        return f"{self.principal:<22} {self.operation:<8} {self.resource_type:<5} {self.pattern:<8} {self.name}{extra}"


class AdminSettings(BaseSettings):
    """The super user's connection, from the same environment as the services'."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = ""
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "PLAIN"
    kafka_admin_username: str = "admin"
    kafka_admin_password: str | None = None
    kafka_credentials_file: Path | None = None
    infohus_kafka_partners: str = "sbsys"

    def partners(self) -> list[str]:
        return [p for p in re.split(r"[,\s]+", self.infohus_kafka_partners) if p]

    def client_config(self) -> dict[str, Any]:
        return _client_config("KAFKA", self.kafka_bootstrap_servers, self.kafka_security_protocol,
                              self.kafka_sasl_mechanism, self.kafka_admin_username, self.kafka_admin_password,
                              self.kafka_credentials_file)


class ExchangeAdminSettings(BaseSettings):
    """The super user's connection to the district's exchange cluster: ``EXCHANGE_*``, named like ``KAFKA_*``."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    exchange_bootstrap_servers: str = "127.0.0.1:9094"
    exchange_security_protocol: str = "PLAINTEXT"
    exchange_sasl_mechanism: str = "PLAIN"
    exchange_admin_username: str = "admin"
    exchange_admin_password: str | None = None
    exchange_credentials_file: Path | None = None
    exchange_topic_prefix: str = ""

    def client_config(self) -> dict[str, Any]:
        return _client_config("EXCHANGE", self.exchange_bootstrap_servers, self.exchange_security_protocol,
                              self.exchange_sasl_mechanism, self.exchange_admin_username,
                              self.exchange_admin_password, self.exchange_credentials_file)


def _client_config(cluster: str, bootstrap: str, protocol: str, mechanism: str, username: str,
                   password: str | None, credentials_file: Path | None) -> dict[str, Any]:
    """confluent-kafka settings of a super user; ``cluster`` names the variables (``KAFKA``, ``EXCHANGE``)."""
    config: dict[str, Any] = {"bootstrap.servers": bootstrap, "security.protocol": protocol}
    if protocol.startswith("SASL"):
        if not password and credentials_file is not None:
            password = json.loads(Path(credentials_file).read_text("utf-8")).get(username)
        if not password:
            raise SystemExit(f"no password for the super user {username!r} of {cluster}_BOOTSTRAP_SERVERS: set "
                             f"{cluster}_ADMIN_PASSWORD or {cluster}_CREDENTIALS_FILE "
                             "(eval \"$(deploy/local/infra.sh env)\")")
        config |= {"sasl.mechanism": mechanism, "sasl.username": username, "sasl.password": password}
    return config


def group_id(service: str, prefix: str) -> str:
    """The service's consumer group, computed by the same code the service uses."""
    class Settings(ServiceSettings):
        service_name: ClassVar[str] = service
        default_port: ClassVar[int] = 0

    return Settings.model_construct(kafka_topic_prefix=prefix).group_id()


def principal(name: str) -> str:
    return f"User:{name}"


def partner_principal(partner_id: str) -> str:
    return principal(f"partner-{partner_id}")


def check_partners(partners: Iterable[str]) -> list[str]:
    unique = list(dict.fromkeys(partners))
    for partner_id in unique:
        if not PARTNER_ID.match(partner_id):
            raise SystemExit(f"partner id {partner_id!r} must match {PARTNER_ID.pattern}")
    return unique


def topics(prefix: str, partners: Sequence[str]) -> list[str]:
    """Every topic the platform uses under this prefix: the catalogue, its dead letters, the partners'."""
    names = []
    for topic in ALL_TOPICS:
        names += [topic.qualified(prefix), topic.qualified(prefix) + DEAD_LETTER_SUFFIX]
    return names + [partner_topic(p, prefix) for p in partners]


def _allower(grants: set[Grant]) -> Callable[..., None]:
    """``allow(who, resource_type, name, *operations, pattern=LITERAL)``, adding to ``grants``."""
    def allow(who: str, resource_type: str, name: str, *operations: str, pattern: str = LITERAL) -> None:
        grants.update(Grant(who, resource_type, pattern, name, op) for op in operations)

    return allow


def plan(prefix: str, partners: Sequence[str]) -> list[Grant]:
    grants: set[Grant] = set()
    allow = _allower(grants)
    for topic in ALL_TOPICS:
        name = topic.qualified(prefix)
        for service in topic.producers:
            allow(principal(service), TOPIC, name, WRITE, DESCRIBE)
        for service in topic.consumers:
            allow(principal(service), TOPIC, name, READ, DESCRIBE)
            allow(principal(service), GROUP, group_id(service, prefix), READ)
            allow(principal(service), TOPIC, name + DEAD_LETTER_SUFFIX, WRITE, DESCRIBE)
    for partner_id in partners:
        name = partner_topic(partner_id, prefix)
        for service in PARTNER_TOPIC_PRODUCERS:
            allow(principal(service), TOPIC, name, WRITE, DESCRIBE)
        allow(partner_principal(partner_id), TOPIC, name, READ, DESCRIBE)
        allow(partner_principal(partner_id), GROUP, f"{prefix}partner-{partner_id}", READ, pattern=PREFIXED)
    return sorted(grants)


def exchange_topics(district: District, prefix: str) -> list[str]:
    """The district's link topics on the exchange cluster, one per (sender, recipient) with an agreement."""
    return [link_topic(sender, recipient, prefix) for sender, recipient in district.links()]


def exchange_group_prefix(org: str, prefix: str) -> str:
    """What the consumer groups of ``org``'s receiving services start with (``<prefix><org>.<service>``)."""
    return f"{prefix}{org}."


def exchange_plan(district: District, prefix: str) -> list[Grant]:
    """Per link: the sender may write its topic, the recipient read it in its own groups; nothing more."""
    grants: set[Grant] = set()
    allow = _allower(grants)
    for sender, recipient in district.links():
        name = link_topic(sender, recipient, prefix)
        allow(principal(sender), TOPIC, name, WRITE, DESCRIBE)
        allow(principal(recipient), TOPIC, name, READ, DESCRIBE)
        allow(principal(recipient), GROUP, exchange_group_prefix(recipient, prefix), READ, pattern=PREFIXED)
    return sorted(grants)


def exchange_managed(binding: Grant, prefix: str) -> bool:
    """Whether ``exchange-apply`` with this prefix owns an exchange ACL: an organisation's grant on a link topic
    or on an organisation's groups under this prefix."""
    org = binding.principal.removeprefix("User:")
    if not (binding.principal.startswith("User:") and re.fullmatch(ORG_PATTERN, org)):
        return False
    if binding.resource_type == TOPIC:
        return link_of(binding.name, prefix) is not None and binding.name.startswith(prefix)
    if binding.resource_type == GROUP and binding.name.startswith(prefix) and binding.name.endswith("."):
        return re.fullmatch(ORG_PATTERN, binding.name[len(prefix):-1]) is not None
    return False


def managed(binding: Grant, prefix: str) -> bool:
    """Whether ``apply`` with this prefix owns a broker ACL (and may delete it when unplanned)."""
    who = binding.principal
    if who not in {principal(s) for s in SERVICES} and not who.startswith("User:partner-"):
        return False
    if binding.resource_type not in (TOPIC, GROUP) or not binding.name.startswith(prefix):
        return False
    rest = binding.name[len(prefix):]
    return rest.startswith("infohus.") or rest.startswith("partner-")


# -- the broker (confluent-kafka: aiokafka 0.14's admin client has no ACL calls) ---------------------

TIMEOUT = 30.0


TOPIC_RETENTION_MS = 30 * 24 * 3600 * 1000


def _admin(config: dict[str, Any]):
    from confluent_kafka.admin import AdminClient

    return AdminClient(config | {"socket.timeout.ms": 10000})


def _binding(grant: Grant):
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType

    return AclBinding(ResourceType[grant.resource_type], grant.name, ResourcePatternType[grant.pattern],
                      grant.principal, grant.host, AclOperation[grant.operation], AclPermissionType[grant.permission])


def _grant(binding: Any) -> Grant:
    return Grant(binding.principal, binding.restype.name, binding.resource_pattern_type.name, binding.name,
                 binding.operation.name, binding.permission_type.name, binding.host)


def create_topics(admin: Any, names: Sequence[str], partitions: int, replication_factor: int) -> tuple[int, int]:
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import NewTopic

    # Events hold personal data: 30 days on the broker is shorter than the shortest retention
    # period (3 months), so a replay can never bring erased data back (see infohus_platform.erasure).
    config = {"retention.ms": str(TOPIC_RETENTION_MS)}
    futures = admin.create_topics([NewTopic(n, partitions, replication_factor, config=config) for n in names],
                                  operation_timeout=TIMEOUT, request_timeout=TIMEOUT)
    created = existing = 0
    for name, future in futures.items():
        try:
            future.result(timeout=TIMEOUT)
            created += 1
        except Exception as exc:
            error = exc.args[0] if exc.args else None
            if getattr(error, "code", lambda: None)() == KafkaError.TOPIC_ALREADY_EXISTS:
                existing += 1
                continue
            raise SystemExit(f"creating topic {name} failed: {exc}") from None
    return created, existing


def existing_grants(admin: Any) -> dict[Grant, Any]:
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    # None matches any name, principal and host (AclBindingFilter's documentation); the signature it
    # inherits from AclBinding says str.
    match_all = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,  # type: ignore[arg-type]
                                 AclOperation.ANY, AclPermissionType.ANY)
    try:
        bindings = admin.describe_acls(match_all, request_timeout=TIMEOUT).result(timeout=TIMEOUT)
    except Exception as exc:
        raise SystemExit(f"describing ACLs failed (is the broker's authorizer enabled?): {exc}") from None
    return {_grant(b): b for b in bindings}


def _wait_until_in_force(admin: Any, wanted: set[Grant], gone: set[Grant], timeout: float = TIMEOUT) -> None:
    """CreateAcls returns once the controller committed the ACLs; the broker authorizes with them a
    moment later (measured: a client right after ``apply`` was still refused). DescribeAcls answers
    from the broker's authorizer, so wait until it shows the new state."""
    deadline = time.monotonic() + timeout
    while True:
        present = set(existing_grants(admin))
        if wanted <= present and not gone & present:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"the broker did not show the new ACLs within {timeout:.0f}s")
        time.sleep(0.1)


def _delete_acls(admin: Any, bindings: Sequence[Any]) -> None:
    from confluent_kafka.admin import AclBindingFilter

    if not bindings:
        return
    filters = [AclBindingFilter(b.restype, b.name, b.resource_pattern_type, b.principal, b.host, b.operation,
                                b.permission_type) for b in bindings]
    for future in admin.delete_acls(filters, request_timeout=TIMEOUT).values():
        future.result(timeout=TIMEOUT)


def _converge(admin: Any, names: Sequence[str], wanted: Sequence[Grant], owned: Callable[[Grant], bool],
              partitions: int, replication_factor: int, what: str, out) -> dict[str, int]:
    """Create the topics, then make the ACLs that ``owned`` selects exactly ``wanted``; report on ``out``."""
    created_topics, existing_topics = create_topics(admin, names, partitions, replication_factor)
    present = existing_grants(admin)
    missing = [g for g in wanted if g not in present]
    stale = [b for g, b in present.items() if g not in set(wanted) and owned(g)]
    if missing:
        for binding, future in admin.create_acls([_binding(g) for g in missing], request_timeout=TIMEOUT).items():
            try:
                future.result(timeout=TIMEOUT)
            except Exception as exc:
                raise SystemExit(f"creating ACL {binding} failed: {exc}") from None
    _delete_acls(admin, stale)
    if missing or stale:
        _wait_until_in_force(admin, set(wanted), {_grant(b) for b in stale})
    summary = {"topics_created": created_topics, "topics_existing": existing_topics, "acls_created": len(missing),
               "acls_unchanged": len(wanted) - len(missing), "acls_deleted": len(stale)}
    print(f"kafka_acls: {what}: topics {created_topics} created, {existing_topics} existing; "
          f"ACLs {len(missing)} created, {len(wanted) - len(missing)} unchanged, {len(stale)} deleted", file=out)
    for grant in missing:
        print(f"  + {grant}", file=out)
    for binding in stale:
        print(f"  - {_grant(binding)}", file=out)
    return summary


def apply(config: dict[str, Any], prefix: str, partners: Sequence[str], *, partitions: int = 3,
          replication_factor: int = 1, out=sys.stdout) -> dict[str, int]:
    partners = check_partners(partners)
    return _converge(_admin(config), topics(prefix, partners), plan(prefix, partners),
                     lambda grant: managed(grant, prefix), partitions, replication_factor,
                     f"prefix {prefix!r}, partners {', '.join(partners) or '-'}", out)


def exchange_apply(config: dict[str, Any], district: District, prefix: str, *, partitions: int = 3,
                   replication_factor: int = 1, out=sys.stdout) -> dict[str, int]:
    """The district's link topics and the organisations' grants on the exchange cluster (``config``)."""
    return _converge(_admin(config), exchange_topics(district, prefix), exchange_plan(district, prefix),
                     lambda grant: exchange_managed(grant, prefix), partitions, replication_factor,
                     f"exchange, district {district.district} {district.version}, prefix {prefix!r}, "
                     f"{len(district.links())} links", out)


def delete_topics(admin: Any, prefix: str) -> int:
    """Delete the platform's topics under this (non-empty) prefix (``<prefix>infohus.*``, dead letters and
    partner topics included) and its consumer groups. Left behind, every test run's topics made each broker
    start slower."""
    if not prefix:
        raise SystemExit("refusing to delete the topics of the empty prefix (an instance's own)")
    return _delete_topics_and_groups(
        admin, lambda name: name.startswith(prefix) and name[len(prefix):].startswith("infohus."),
        lambda group: group.startswith(prefix) and group[len(prefix):].startswith(("infohus.", "partner-")))


def _delete_topics_and_groups(admin: Any, topic: Callable[[str], bool], group: Callable[[str], bool]) -> int:
    """Delete the broker's topics and consumer groups the predicates select; returns the number of topics."""
    names = [name for name in admin.list_topics(timeout=TIMEOUT).topics if topic(name)]
    if names:
        for future in admin.delete_topics(names, operation_timeout=TIMEOUT, request_timeout=TIMEOUT).values():
            future.result(timeout=TIMEOUT)
    listed = admin.list_consumer_groups(request_timeout=TIMEOUT).result(timeout=TIMEOUT)
    groups = [g.group_id for g in listed.valid if group(g.group_id)]
    if groups:  # their committed offsets; a group still in use stays (and says so)
        for group, future in admin.delete_consumer_groups(groups, request_timeout=TIMEOUT).items():
            try:
                future.result(timeout=TIMEOUT)
            except Exception as exc:
                print(f"kafka_acls: consumer group {group} kept: {exc}", file=sys.stderr)
    return len(names)


def revoke(config: dict[str, Any], prefix: str, *, out=sys.stdout) -> int:
    """Delete every grant to the platform's principals under this prefix, and its topics (a finished
    test run's)."""
    admin = _admin(config)
    deleted_topics = delete_topics(admin, prefix)
    stale = [b for g, b in existing_grants(admin).items() if managed(g, prefix)]
    _delete_acls(admin, stale)
    print(f"kafka_acls: prefix {prefix!r}: {len(stale)} ACLs and {deleted_topics} topics deleted", file=out)
    return len(stale)


def exchange_revoke(config: dict[str, Any], district: District, prefix: str, *, out=sys.stdout) -> int:
    """Delete the organisations' grants under this (non-empty) prefix on the exchange cluster, the district's
    link topics and the recipients' consumer groups (a finished test run's)."""
    if not prefix:
        raise SystemExit("refusing to delete the exchange topics of the empty prefix (the district's own); "
                         "to retire a link, remove its agreements and run exchange-apply")
    admin = _admin(config)
    links = set(exchange_topics(district, prefix))
    groups = tuple(exchange_group_prefix(org, prefix) for org in district.organisations)
    deleted_topics = _delete_topics_and_groups(admin, links.__contains__, lambda group: group.startswith(groups))
    stale = [b for g, b in existing_grants(admin).items() if exchange_managed(g, prefix)]
    _delete_acls(admin, stale)
    print(f"kafka_acls: exchange, district {district.district}, prefix {prefix!r}: {len(stale)} ACLs and "
          f"{deleted_topics} topics deleted", file=out)
    return len(stale)


def main(argv: Sequence[str] | None = None) -> int:
    settings = AdminSettings()
    parser = argparse.ArgumentParser(prog="python -m infohus_tools.kafka_acls", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("apply", "plan", "revoke", "exchange-apply", "exchange-revoke"))
    parser.add_argument("--prefix", default=None,
                        help="topic and group prefix (default: KAFKA_TOPIC_PREFIX; exchange-*: EXCHANGE_TOPIC_PREFIX)")
    parser.add_argument("--partner", action="append", dest="partners", metavar="ID",
                        help="a partner with its own topic and principal partner-ID; repeatable "
                             "(default: INFOHUS_KAFKA_PARTNERS, else sbsys)")
    parser.add_argument("--district-file", type=Path, metavar="F",
                        help="the district document (exchange-*: its links are the exchange topics)")
    parser.add_argument("--bootstrap", help="the broker (default: KAFKA_BOOTSTRAP_SERVERS; exchange-*: "
                                            "EXCHANGE_BOOTSTRAP_SERVERS)")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--replication-factor", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command.startswith("exchange-"):
        if args.district_file is None:
            parser.error(f"{args.command} needs --district-file")
        district = load_district(args.district_file)
        exchange = ExchangeAdminSettings()
        if args.prefix is None:
            args.prefix = exchange.exchange_topic_prefix
        config = exchange.client_config() | {"bootstrap.servers": args.bootstrap or exchange.exchange_bootstrap_servers}
        if args.command == "exchange-revoke":
            exchange_revoke(config, district, args.prefix)
        else:
            exchange_apply(config, district, args.prefix, partitions=args.partitions,
                           replication_factor=args.replication_factor)
        return 0
    if args.prefix is None:
        args.prefix = settings.kafka_topic_prefix
    partners = check_partners(args.partners if args.partners is not None else settings.partners())
    if args.command == "plan":
        for grant in plan(args.prefix, partners):
            print(grant)
        return 0
    config = settings.client_config() | {"bootstrap.servers": args.bootstrap or settings.kafka_bootstrap_servers}
    if args.command == "revoke":
        revoke(config, args.prefix)
        return 0
    apply(config, args.prefix, partners, partitions=args.partitions, replication_factor=args.replication_factor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
