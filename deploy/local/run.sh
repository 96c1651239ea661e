#!/usr/bin/env bash
# `make run`: provision and start Kafka and OPA (unless external ones are configured), then the
# five services. Storage is SQLite files under var/ unless DATABASE_URL names a PostgreSQL server.
# Ctrl-C stops the services and the infrastructure this script started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
infra="$here/infra.sh"
user_database_url=${DATABASE_URL:-}

bash "$infra" up kafka opa
eval "$(bash "$infra" env)"
kafka_status=$(bash "$infra" status kafka || true)
if [[ $kafka_status != kafka*external* ]]; then
  # The local broker authorizes with ACLs (SASL/PLAIN, one principal per service): create the topics
  # and grant each service, and each partner in INFOHUS_KAFKA_PARTNERS, exactly what the topic
  # catalogue says. Idempotent. An external broker's ACLs are its operator's business.
  "$root/.venv/bin/python" -m infohus_tools.kafka_acls apply
fi
if [[ -n "$user_database_url" ]]; then
  export DATABASE_URL=$user_database_url
else
  unset DATABASE_URL
fi

stop_infra() {
  if [[ "${INFOHUS_KEEP_INFRA:-0}" != "1" ]]; then
    echo "Stopping Kafka and OPA (set INFOHUS_KEEP_INFRA=1 to keep them running) ..."
    bash "$infra" down kafka opa
  fi
}
trap stop_infra EXIT
cd "$root"
"$root/.venv/bin/python" "$here/stack.py"
