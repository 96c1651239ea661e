#!/usr/bin/env bash
# Local infrastructure for the Infohus platform, without a container engine.
#
# Runs Apache Kafka (KRaft, single combined node), a second such Kafka as the district's exchange
# cluster, the OPA server and PostgreSQL as ordinary background processes on 127.0.0.1. Everything
# downloaded, built or written lives in one cache directory (default /var/tmp/infohus).
#
#   deploy/local/infra.sh provision          fetch/build what is missing (idempotent)
#   deploy/local/infra.sh up     [component] provision, then start what is not running
#   deploy/local/infra.sh down   [component] stop what `up` started (data is kept)
#   deploy/local/infra.sh restart [component] stop, then start again and wait until ready (data is kept)
#   deploy/local/infra.sh status [component] one line per component
#   deploy/local/infra.sh env                print the export line for the services/tests
#   deploy/local/infra.sh check  [component] produce+consume on both Kafkas (as admin), query OPA, connect to PostgreSQL
#   deploy/local/infra.sh reset  [component] stop and wipe Kafka/PostgreSQL data (keeps jars/binaries)
#
# Components: kafka, exchange, opa, postgres (default: all). See deploy/local/README.md.
# Kafka requires SASL/PLAIN and authorizes with ACLs (StandardAuthorizer): one principal per service
# and per partner, dev passwords generated once into $CACHE/kafka/principals.json; the ACLs come
# from the topic catalogue (python -m infohus_tools.kafka_acls apply).
# The exchange cluster (component exchange, 9094) is another Kafka run by the same functions: its
# principals are admin and one per organisation of the district (INFOHUS_EXCHANGE_ORGS), passwords in
# $CACHE/exchange/principals.json; the link topics and ACLs come from kafka_acls exchange-apply.
# DEV/TEST ONLY: PostgreSQL runs with fsync=off, OPA without authentication, Kafka without TLS.

set -euo pipefail

# ---------------------------------------------------------------- settings --

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

CACHE=${INFOHUS_CACHE:-/var/tmp/infohus}
TIMEOUT=${INFOHUS_TIMEOUT:-90}

KAFKA_VERSION=4.1.1 # must match deploy/local/kafka-pom.xml
KAFKA_POM=$SCRIPT_DIR/kafka-pom.xml
KAFKA_LIBS=$CACHE/kafka-libs
KAFKA_DIR=$CACHE/kafka
KAFKA_PORT=${INFOHUS_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${INFOHUS_KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${INFOHUS_KAFKA_HEAP:--Xms256m -Xmx768m}
KAFKA_CREDENTIALS=$KAFKA_DIR/principals.json
# One Kafka principal per service, the super user admin, and partner-<id> per partner.
KAFKA_SERVICES=(intake assessment registry network notify)
KAFKA_PARTNERS=${INFOHUS_KAFKA_PARTNERS-sbsys} # comma- or space-separated partner ids
# The kafka functions below act on the cluster these KAFKA_* settings describe; with_exchange
# runs them with the exchange cluster's values instead (bash's dynamic scoping of `local`).
KAFKA_NAME=kafka             # the component, in messages
KAFKA_VAR=KAFKA              # its variables: ${KAFKA_VAR}_BOOTSTRAP_SERVERS, INFOHUS_${KAFKA_VAR}_PORT, ...
KAFKA_PARTNERS_VAR=INFOHUS_KAFKA_PARTNERS
KAFKA_PARTNER_PREFIX=partner- # principal = prefix + id
KAFKA_PARTNER_RE='^[a-z0-9][a-z0-9-]{0,40}$'
KAFKA_PARTNER_HINT="as in notify's partner file"
KAFKA_ACLS_FROM=$'the topic\n# catalogue (python -m infohus_tools.kafka_acls apply)'

# The district exchange cluster: admin and one principal per organisation (principal = org id, the
# pattern of infohus_contracts.base.district.ORG_PATTERN); no service principal. Orgs are only ever added.
EXCHANGE_DIR=$CACHE/exchange
EXCHANGE_PORT=${INFOHUS_EXCHANGE_PORT:-9094}
EXCHANGE_CONTROLLER_PORT=${INFOHUS_EXCHANGE_CONTROLLER_PORT:-9095}
EXCHANGE_HEAP=${INFOHUS_EXCHANGE_HEAP:--Xms128m -Xmx512m}
EXCHANGE_ORGS=${INFOHUS_EXCHANGE_ORGS-kommune-820 kommune-851 politi-nordjylland netvaerk-nordjylland}
EXCHANGE_ORG_RE='^(kommune-[0-9]{3}|politi-[a-z]+(-[a-z]+)*|netvaerk-[a-z]+(-[a-z]+)*)$'

OPA_VERSION=v1.21.1
OPA_MODULE=github.com/open-policy-agent/opa
OPA_BIN=$CACHE/bin/opa
OPA_DIR=$CACHE/opa
OPA_PORT=${INFOHUS_OPA_PORT:-8181}
OPA_DIAG_PORT=${INFOHUS_OPA_DIAG_PORT:-8282}
POLICIES=${INFOHUS_POLICIES:-$REPO_ROOT/policies}
OPA_WATCH=${INFOHUS_OPA_WATCH:-1} # 1: reload policies/data when files under $POLICIES change

PG_DIR=$CACHE/pg
PG_PORT=${INFOHUS_PG_PORT:-5432}
PG_ROLE=infohus
PG_PASSWORD=infohus
PG_DATABASE=infohus

LOCAL_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
LOCAL_EXCHANGE_BOOTSTRAP=127.0.0.1:$EXCHANGE_PORT
LOCAL_OPA_URL=http://127.0.0.1:$OPA_PORT
LOCAL_DATABASE_URL=postgresql+asyncpg://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE

ALL_COMPONENTS=(kafka exchange opa postgres)

# ----------------------------------------------------------------- helpers --

log() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# Monotonic-enough seconds with millisecond resolution, for progress messages.
now_ms() { date +%s%3N; }
elapsed() { # start_ms -> "1.2s"
  local ms=$(($(now_ms) - $1))
  printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Serialise provision/up/down/reset so parallel callers (e.g. two test jobs) do not race.
take_lock() {
  exec 9>"$CACHE/.lock"
  if ! flock -n 9; then
    log "waiting for another infra.sh run to finish (lock $CACHE/.lock) ..."
    flock -w 900 9 || die "another infra.sh run still holds $CACHE/.lock after 15 minutes"
  fi
}

ensure_cache_dir() {
  mkdir -p "$CACHE" "$CACHE/bin"
  # World-traversable, so that the postgres OS user can reach its data directory.
  if [[ -O $CACHE ]]; then chmod 755 "$CACHE"; fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Who listens on a port, for error messages (best effort).
port_owner() {
  local out=""
  if command -v ss >/dev/null 2>&1; then
    out=$(ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1)
  fi
  printf '%s' "${out:-unknown process}"
}

# HTTP status code of GET http://127.0.0.1:$1$2 (pure bash, no curl needed).
http_status() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
    IFS= read -r -t 3 line <&3 || exit 1
    read -r _ code _ <<<"${line%$'\r'}"
    printf '%s' "$code"
  ) 2>/dev/null
}

pid_alive() { [[ -n ${1:-} && -d /proc/$1 ]]; }

# pid from a pid file if that process is alive and its command line contains $2.
live_pid() {
  local file=$1 needle=$2 pid cmd
  [[ -s $file ]] || return 1
  pid=$(head -n1 "$file")
  [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$needle"* ]] || return 1
  printf '%s' "$pid"
}

# Start "$@" detached (own session, stdin closed, output appended to $2); pid goes to $1.
spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  rm -f "$pidfile"
  # The inner bash writes its own pid and then execs the program, so the pid is exact.
  # fd 9 is the infra.sh lock: the long-running child must not inherit it.
  # shellcheck disable=SC2016 # $$ and $@ expand in the inner shell
  setsid -f bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&-
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "could not start ${1##*/} (no pid file $pidfile)"
}

# wait_until <what> <timeout-s> <pid or ""> <logfile> <command...>
wait_until() {
  local what=$1 timeout=$2 pid=$3 logfile=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      warn "$what exited during startup; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 || true
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      warn "$what not ready after ${timeout}s; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

# Send SIGTERM, wait up to $3 seconds, then SIGKILL.
stop_pid() {
  local what=$1 pid=$2 timeout=$3 deadline
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + timeout))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      warn "$what (pid $pid) did not stop within ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.2
  done
}

# "host:port" of a URL or address: drops scheme, user info, path and query.
host_port() {
  local v=${1#*://}
  v=${v##*@}
  v=${v%%[/?]*}
  printf '%s' "$v"
}

# True when a host:port (port defaulting to $3) is this stack's 127.0.0.1:$2.
is_local_addr() {
  local hp=$1 port=$2 default_port=$3
  [[ $hp == *:* ]] || hp=$hp:$default_port
  [[ $hp == "127.0.0.1:$port" || $hp == "localhost:$port" ]]
}

# A component is external when its env var points somewhere other than this stack, so
# `eval "$(infra.sh env)"` followed by `infra.sh up` still starts the local components.
external_value() {
  case $1 in
  kafka)
    [[ -n ${KAFKA_BOOTSTRAP_SERVERS:-} ]] || return 1
    is_local_addr "${KAFKA_BOOTSTRAP_SERVERS%%,*}" "$KAFKA_PORT" 9092 && return 1
    printf 'KAFKA_BOOTSTRAP_SERVERS=%s' "$KAFKA_BOOTSTRAP_SERVERS"
    ;;
  exchange)
    [[ -n ${EXCHANGE_BOOTSTRAP_SERVERS:-} ]] || return 1
    is_local_addr "${EXCHANGE_BOOTSTRAP_SERVERS%%,*}" "$EXCHANGE_PORT" 9092 && return 1
    printf 'EXCHANGE_BOOTSTRAP_SERVERS=%s' "$EXCHANGE_BOOTSTRAP_SERVERS"
    ;;
  opa)
    [[ -n ${OPA_URL:-} ]] || return 1
    is_local_addr "$(host_port "$OPA_URL")" "$OPA_PORT" 80 && return 1
    printf 'OPA_URL=%s' "$OPA_URL"
    ;;
  postgres)
    [[ -n ${DATABASE_URL:-} ]] || return 1
    is_local_addr "$(host_port "$DATABASE_URL")" "$PG_PORT" 5432 && return 1
    printf 'DATABASE_URL=%s' "${DATABASE_URL%%://*}://***@$(host_port "$DATABASE_URL")" # no password in output
    ;;
  *) return 1 ;;
  esac
}

parse_components() { # prints the selected components, one per line
  local c
  if (($# == 0)); then
    printf '%s\n' "${ALL_COMPONENTS[@]}"
    return
  fi
  for c in "$@"; do
    case $c in
    kafka | exchange | opa | postgres) printf '%s\n' "$c" ;;
    pg | postgresql) printf 'postgres\n' ;;
    *) die "unknown component '$c' (expected: ${ALL_COMPONENTS[*]})" ;;
    esac
  done
}

# -------------------------------------------------------------- toolchains --

JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

require_java() {
  command -v "$JAVA" >/dev/null 2>&1 ||
    die "Java 17+ is required for Kafka $KAFKA_VERSION. Install it, e.g.: apt-get install -y default-jre-headless"
  local ver major
  ver=$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)
  major=${ver%%.*}
  [[ $major == 1 ]] && major=$(cut -d. -f2 <<<"$ver")
  [[ $major =~ ^[0-9]+$ ]] || die "cannot parse the Java version from '$JAVA -version'"
  ((major >= 17)) ||
    die "Kafka $KAFKA_VERSION needs Java 17+, found $ver. Install e.g.: apt-get install -y default-jre-headless (Debian 12 ships OpenJDK 17)"
}

require_cmd() { # name, install hint
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found. $2"
}

# Locate the PostgreSQL server binaries (pg_ctl, initdb, postgres).
PG_BIN=""
find_pg_bin() {
  local d
  if [[ -n ${INFOHUS_PG_BIN:-} ]]; then
    PG_BIN=$INFOHUS_PG_BIN
  else
    PG_BIN=""
    # Debian layout: /usr/lib/postgresql/<major>/bin; take the highest major.
    local dirs=()
    mapfile -t dirs < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V)
    for d in "${dirs[@]}"; do
      if [[ -x $d/pg_ctl && -x $d/initdb ]]; then PG_BIN=$d; fi
    done
    if [[ -z $PG_BIN ]] && command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
      PG_BIN=$(dirname "$(command -v pg_ctl)")
    fi
  fi
  [[ -n $PG_BIN && -x $PG_BIN/pg_ctl && -x $PG_BIN/initdb ]]
}

# Run a command as root: directly, via sudo, or fail with a hint.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (no sudo available). Run it as root, or install PostgreSQL yourself and set INFOHUS_PG_BIN."
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not available; install $* with your package manager"
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [[ -z $candidate || $candidate == "(none)" ]]; then
    step "apt-get update (package lists do not know $1)"
    as_root apt-get update -q
  fi
  step "apt-get install -y $*"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"; then
    step "install failed; retrying after apt-get update"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
  fi
}

# --------------------------------------------------------------- provision --

provision_kafka_libs() {
  local marker=$KAFKA_LIBS/.pom-sha256 want
  want=$(sha256_of "$KAFKA_POM")
  if [[ -f $marker && $(<"$marker") == "$want" ]]; then
    return 0
  fi
  require_cmd mvn "Install Maven to fetch the Kafka jars: apt-get install -y maven"
  step "kafka: copying the Kafka $KAFKA_VERSION jars with Maven into $KAFKA_LIBS (log $CACHE/mvn.log)"
  local t0 tmp
  t0=$(now_ms)
  tmp=$KAFKA_LIBS.tmp.$$
  rm -rf "$tmp"
  if ! mvn -B -Dstyle.color=never -f "$KAFKA_POM" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$CACHE/mvn.log" 2>&1; then
    rm -rf "$tmp"
    tail -n 40 "$CACHE/mvn.log" >&2
    die "Maven could not resolve the Kafka jars (full log: $CACHE/mvn.log)"
  fi
  compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null || die "kafka_2.13-$KAFKA_VERSION.jar missing after Maven ran"
  printf '%s\n' "$want" >"$tmp/.pom-sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "    $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars, $(du -sh "$KAFKA_LIBS" | cut -f1) in $(elapsed "$t0")"
}

provision_opa() {
  local marker=$CACHE/bin/.opa-version
  if [[ -x $OPA_BIN && -f $marker && $(<"$marker") == "$OPA_VERSION" ]]; then
    return 0
  fi
  require_cmd go "Go >= 1.26 is needed to build OPA $OPA_VERSION (its go.mod says 'go 1.26.0'). Debian 12's 'golang' package is 1.19, which is too old; install an upstream Go release instead."
  local gover
  gover=$(go env GOVERSION 2>/dev/null || true)
  if [[ $gover =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] < 26)); then
    if ((BASH_REMATCH[1] < 21)); then
      die "$gover is too old to build OPA $OPA_VERSION (needs Go >= 1.26; Debian 12's 'golang' is 1.19). Install an upstream Go release."
    fi
    warn "$gover < go1.26: 'go install' will try to fetch a newer toolchain (GOTOOLCHAIN=$(go env GOTOOLCHAIN))"
  fi
  step "opa: building OPA $OPA_VERSION with go install into $CACHE/bin (cold: 1-3 minutes; log $CACHE/go.log)"
  local t0
  t0=$(now_ms)
  rm -f "$marker"
  if ! GOBIN=$CACHE/bin CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
    go install -trimpath -ldflags='-s -w' "$OPA_MODULE@$OPA_VERSION" >"$CACHE/go.log" 2>&1; then
    tail -n 40 "$CACHE/go.log" >&2
    die "go install $OPA_MODULE@$OPA_VERSION failed (full log: $CACHE/go.log)"
  fi
  printf '%s\n' "$OPA_VERSION" >"$marker"
  log "    $("$OPA_BIN" version | head -n1) in $(elapsed "$t0")"
}

provision_postgres() {
  if ! find_pg_bin; then
    step "postgres: PostgreSQL server binaries not found, installing the Debian package"
    apt_install postgresql
    find_pg_bin || die "PostgreSQL installed but pg_ctl/initdb still not found; set INFOHUS_PG_BIN to their directory"
    warn "the Debian package may have created and started a system cluster on port 5432 (see pg_lsclusters); stop it or set INFOHUS_PG_PORT"
  fi
  if is_root; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user to run PostgreSQL as"
    runuser -u postgres -- test -x "$CACHE" ||
      die "the postgres OS user cannot reach $CACHE (a parent directory is not world-traversable); choose another INFOHUS_CACHE"
  fi
}

# provision [components...]: only what the selected, non-external components need.
provision() {
  local c
  ensure_cache_dir
  for c in "$@"; do
    external_value "$c" >/dev/null && continue
    case $c in
    kafka | exchange)
      require_java
      provision_kafka_libs
      ;;
    opa) provision_opa ;;
    postgres) provision_postgres ;;
    esac
  done
}

# ------------------------------------------------------------------- kafka --

kafka_pid() { live_pid "$KAFKA_DIR/kafka.pid" "kafka.Kafka"; }

# with_exchange <command...>: run a kafka function (start_kafka, status_kafka, ...) on the exchange
# cluster. Every setting the kafka functions read is shadowed here, so they act on $EXCHANGE_DIR, its
# ports and its principals (admin and the organisations), and the internal cluster's are untouched.
with_exchange() {
  local KAFKA_NAME=exchange KAFKA_VAR=EXCHANGE KAFKA_DIR=$EXCHANGE_DIR
  local KAFKA_PORT=$EXCHANGE_PORT KAFKA_CONTROLLER_PORT=$EXCHANGE_CONTROLLER_PORT KAFKA_HEAP=$EXCHANGE_HEAP
  local KAFKA_CREDENTIALS=$EXCHANGE_DIR/principals.json LOCAL_KAFKA_BOOTSTRAP=$LOCAL_EXCHANGE_BOOTSTRAP
  local KAFKA_PARTNERS=$EXCHANGE_ORGS KAFKA_PARTNERS_VAR=INFOHUS_EXCHANGE_ORGS KAFKA_PARTNER_PREFIX=""
  local KAFKA_PARTNER_RE=$EXCHANGE_ORG_RE KAFKA_PARTNER_HINT="an organisation id of the district file"
  local KAFKA_ACLS_FROM=$'the district\n# file (python -m infohus_tools.kafka_acls exchange-apply)'
  local -a KAFKA_SERVICES=() KAFKA_PRINCIPALS=()
  local -A KAFKA_PASSWORDS=()
  "$@"
}

# --- principals and their dev passwords ---

KAFKA_PRINCIPALS=()
declare -A KAFKA_PASSWORDS=()

# KAFKA_PRINCIPALS: admin, the services, then partner-<id>, sorted, for each id in
# INFOHUS_KAFKA_PARTNERS and each partner already in $KAFKA_CREDENTIALS. Partners are only ever
# added here, so an 'up' without INFOHUS_KAFKA_PARTNERS does not remove (and restart for) one; to
# remove a partner, delete its line from principals.json and run 'up'. Also fills KAFKA_PASSWORDS.
# (On the exchange cluster: admin, then the organisations of INFOHUS_EXCHANGE_ORGS, the same way.)
kafka_load_principals() {
  local p partners=()
  kafka_read_credentials
  for p in ${KAFKA_PARTNERS//,/ }; do
    [[ $p =~ $KAFKA_PARTNER_RE ]] ||
      die "$KAFKA_PARTNERS_VAR: id '$p' must match $KAFKA_PARTNER_RE ($KAFKA_PARTNER_HINT)"
    partners+=("$KAFKA_PARTNER_PREFIX$p")
  done
  for p in "${!KAFKA_PASSWORDS[@]}"; do
    [[ $p != admin && $p == "$KAFKA_PARTNER_PREFIX"* && ${p#"$KAFKA_PARTNER_PREFIX"} =~ $KAFKA_PARTNER_RE ]] &&
      partners+=("$p")
  done
  KAFKA_PRINCIPALS=(admin "${KAFKA_SERVICES[@]}")
  if ((${#partners[@]})); then
    mapfile -t -O "${#KAFKA_PRINCIPALS[@]}" KAFKA_PRINCIPALS < <(printf '%s\n' "${partners[@]}" | LC_ALL=C sort -u)
  fi
}

# KAFKA_PASSWORDS from $KAFKA_CREDENTIALS ({"name": "password", ...}); missing file: empty.
kafka_read_credentials() {
  local pair re='^"([A-Za-z0-9._-]+)"[[:space:]]*:[[:space:]]*"([A-Za-z0-9_-]+)"$'
  KAFKA_PASSWORDS=()
  [[ -r $KAFKA_CREDENTIALS ]] || return 0
  while IFS= read -r pair; do
    [[ $pair =~ $re ]] && KAFKA_PASSWORDS[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
  done < <(grep -o '"[^"]*"[[:space:]]*:[[:space:]]*"[^"]*"' "$KAFKA_CREDENTIALS")
  return 0
}

random_secret() { head -c18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# Generate a password for every principal that has none (existing ones are kept) and write
# $KAFKA_CREDENTIALS (mode 0600) when anything changed.
kafka_ensure_credentials() {
  local p changed=0 tmp sep=""
  kafka_load_principals
  for p in "${KAFKA_PRINCIPALS[@]}"; do
    [[ -n ${KAFKA_PASSWORDS[$p]:-} ]] && continue
    KAFKA_PASSWORDS[$p]=$(random_secret)
    changed=1
  done
  for p in "${!KAFKA_PASSWORDS[@]}"; do
    [[ " ${KAFKA_PRINCIPALS[*]} " == *" $p "* ]] && continue
    unset "KAFKA_PASSWORDS[$p]"
    changed=1
  done
  [[ -f $KAFKA_CREDENTIALS && $(stat -c %a "$KAFKA_CREDENTIALS") != 600 ]] && changed=1
  ((changed)) || return 0
  mkdir -p "$KAFKA_DIR"
  tmp=$KAFKA_CREDENTIALS.tmp.$$
  (
    umask 077
    {
      printf '{\n'
      for p in "${KAFKA_PRINCIPALS[@]}"; do
        printf '%s  "%s": "%s"' "$sep" "$p" "${KAFKA_PASSWORDS[$p]}"
        sep=$',\n'
      done
      printf '\n}\n'
    } >"$tmp"
  )
  chmod 600 "$tmp"
  mv -f "$tmp" "$KAFKA_CREDENTIALS"
  step "$KAFKA_NAME: dev passwords of ${#KAFKA_PRINCIPALS[@]} principals (${KAFKA_PRINCIPALS[*]}) in $KAFKA_CREDENTIALS"
}

# The broker's configuration (it embeds the passwords: written with mode 0600).
kafka_config_text() {
  local p admin_pw=${KAFKA_PASSWORDS[admin]:-} users=""
  for p in "${KAFKA_PRINCIPALS[@]}"; do
    users+=$' \\\n    '"user_$p=\"${KAFKA_PASSWORDS[$p]:-}\""
  done
  cat <<EOF
# Generated by deploy/local/infra.sh on every start; edits are overwritten. Contains the dev passwords.
# Single combined KRaft node for local development and tests: SASL/PLAIN (no TLS) and ACLs.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=SASL_PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
log.dirs=$KAFKA_DIR/data

# Authentication: SASL/PLAIN; every principal and its password is listed here (from principals.json).
# Adding one ($KAFKA_PARTNERS_VAR) regenerates this file, and 'up' restarts the broker.
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
# Defaults to GSSAPI: must be set. The broker reaches its own controller as admin.
sasl.mechanism.controller.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    username="admin" password="$admin_pw"$users;
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    username="admin" password="$admin_pw" \\
    user_admin="$admin_pw";

# Authorization: no ACL, no access. Only admin is a super user; the ACLs come from $KAFKA_ACLS_FROM. Denials are logged (kafka.authorizer.logger).
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false

# Single node: every internal topic has one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Test-friendly settings. Auto-creation needs CREATE, which only admin has: kafka_acls creates the topics.
num.partitions=3
auto.create.topics.enable=true
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
EOF
}

kafka_config_fingerprint() { kafka_config_text | sha256sum | cut -d' ' -f1; }

kafka_write_config() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/log"
  (
    umask 077
    kafka_config_text >"$KAFKA_DIR/server.properties"
    # Client settings of the super user, for the command-line tools (check).
    cat >"$KAFKA_DIR/admin.properties" <<EOF
# Generated by deploy/local/infra.sh: the admin (super user) client settings for Kafka's CLI tools.
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${KAFKA_PASSWORDS[admin]}";
EOF
  )
  chmod 600 "$KAFKA_DIR/server.properties" "$KAFKA_DIR/admin.properties"
  cat >"$KAFKA_DIR/log4j2.properties" <<'EOF'
# Broker logging: console (redirected to kafka/log/kafka.log by infra.sh).
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.target = SYSTEM_OUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
# Noisy at INFO: full config dumps, per-partition state changes, request logs.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser
logger.appinfo.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.requestchannel.name = kafka.network.RequestChannel$
logger.requestchannel.level = WARN
logger.authz.name = kafka.authorizer.logger
logger.authz.level = INFO
# One line per ACL created or replayed at start (each test run adds some).
logger.aclcontrol.name = org.apache.kafka.controller.AclControlManager
logger.aclcontrol.level = WARN
EOF
  cat >"$KAFKA_DIR/tools-log4j2.properties" <<'EOF'
# Logging for the command-line tools (StorageTool, console producer/consumer).
status = warn
appender.console.type = Console
appender.console.name = STDERR
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
}

# Random Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'
# (the same rule as org.apache.kafka.common.Uuid.randomUuid()).
kafka_cluster_id() {
  local id
  while :; do
    id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id != -* ]] && break
  done
  printf '%s' "$id"
}

kafka_tool() { # main-class args...
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

kafka_ready() { grep -q 'Kafka Server started' "$KAFKA_DIR/log/kafka.log" 2>/dev/null && port_open "$KAFKA_PORT"; }

start_kafka() {
  local pid t0 port
  kafka_ensure_credentials
  if pid=$(kafka_pid); then
    if [[ $(kafka_config_fingerprint) != "$(cat "$KAFKA_DIR/server.properties.sha256" 2>/dev/null)" ]]; then
      # Listeners, security or the list of principals changed: the broker reads them at start only.
      log "$KAFKA_NAME: its configuration changed since it started (security settings or principals); restarting it"
      stop_kafka
    elif kafka_ready; then
      log "$KAFKA_NAME: already running (pid $pid) on $LOCAL_KAFKA_BOOTSTRAP"
      return 0
    else
      log "$KAFKA_NAME: running (pid $pid) but not ready yet, waiting ..."
      wait_until "$KAFKA_NAME" "$TIMEOUT" "$pid" "$KAFKA_DIR/log/kafka.log" kafka_ready
      return 0
    fi
  fi
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$port" && die "$KAFKA_NAME: port $port is already in use by $(port_owner "$port"), not by this stack. Stop it, or set ${KAFKA_VAR}_BOOTSTRAP_SERVERS to use it as an external broker, or INFOHUS_${KAFKA_VAR}_PORT/INFOHUS_${KAFKA_VAR}_CONTROLLER_PORT to move ours."
  done
  t0=$(now_ms)
  kafka_write_config
  kafka_config_fingerprint >"$KAFKA_DIR/server.properties.sha256"
  if [[ ! -s $KAFKA_DIR/data/meta.properties ]]; then
    step "$KAFKA_NAME: formatting storage in $KAFKA_DIR/data"
    kafka_tool kafka.tools.StorageTool format --ignore-formatted \
      -t "$(kafka_cluster_id)" -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/log/format.log" 2>&1 ||
      {
        cat "$KAFKA_DIR/log/format.log" >&2
        die "$KAFKA_NAME: formatting the storage failed"
      }
  fi
  [[ -f $KAFKA_DIR/log/kafka.log ]] && mv -f "$KAFKA_DIR/log/kafka.log" "$KAFKA_DIR/log/kafka.log.1"
  step "$KAFKA_NAME: starting Kafka $KAFKA_VERSION (KRaft) on $LOCAL_KAFKA_BOOTSTRAP, log $KAFKA_DIR/log/kafka.log"
  # shellcheck disable=SC2086 # KAFKA_HEAP holds several JVM options
  spawn "$KAFKA_DIR/kafka.pid" "$KAFKA_DIR/log/kafka.log" \
    "$JAVA" $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent \
    -Djava.awt.headless=true -Dkafka.logs.dir="$KAFKA_DIR/log" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  pid=$(<"$KAFKA_DIR/kafka.pid")
  wait_until "$KAFKA_NAME" "$TIMEOUT" "$pid" "$KAFKA_DIR/log/kafka.log" kafka_ready
  log "$KAFKA_NAME: ready (pid $pid) in $(elapsed "$t0")"
}

stop_kafka() {
  local pid
  if pid=$(kafka_pid); then
    step "$KAFKA_NAME: stopping (pid $pid)"
    stop_pid "$KAFKA_NAME" "$pid" 60
  else
    log "$KAFKA_NAME: not running"
  fi
  rm -f "$KAFKA_DIR/kafka.pid"
}

status_kafka() {
  local pid
  if pid=$(kafka_pid); then
    if port_open "$KAFKA_PORT"; then
      local note=""
      kafka_load_principals
      [[ $(kafka_config_fingerprint) == "$(cat "$KAFKA_DIR/server.properties.sha256" 2>/dev/null)" ]] ||
        note=" (configuration or principals changed: 'up' restarts Kafka)"
      printf '%-9s running  pid %-7s %-24s SASL/PLAIN, %s principals, log %s%s\n' "$KAFKA_NAME" "$pid" "$LOCAL_KAFKA_BOOTSTRAP" \
        "${#KAFKA_PRINCIPALS[@]}" "$KAFKA_DIR/log/kafka.log" "$note"
      return 0
    fi
    printf '%-9s starting pid %-7s %-24s log %s\n' "$KAFKA_NAME" "$pid" "$LOCAL_KAFKA_BOOTSTRAP" "$KAFKA_DIR/log/kafka.log"
    return 1
  fi
  printf '%-9s stopped\n' "$KAFKA_NAME"
  return 1
}

# The exchange cluster: the same broker, on its own directory, ports and principals.
start_exchange() { with_exchange start_kafka; }
stop_exchange() { with_exchange stop_kafka; }
status_exchange() { with_exchange status_kafka; }

# --------------------------------------------------------------------- opa --

opa_pid() { live_pid "$OPA_DIR/opa.pid" "$OPA_BIN"; }
opa_ready() { [[ $(http_status "$OPA_PORT" /health) == 200 ]]; }

opa_policy_dir() {
  if [[ -d $POLICIES ]]; then
    printf '%s' "$POLICIES"
  else
    mkdir -p "$OPA_DIR/empty-policies"
    printf '%s' "$OPA_DIR/empty-policies"
  fi
}

# What a running OPA cannot pick up by itself. `opa run --watch` watches the directories that
# existed at start only (verified with v1.21.1): files in a directory created later are not
# loaded. So with --watch the fingerprint is the directory tree; without it, every file's mtime.
opa_fingerprint() {
  local dir=$1
  {
    printf '%s watch=%s\n' "$dir" "$OPA_WATCH"
    if [[ $OPA_WATCH == 1 ]]; then
      find "$dir" -type d 2>/dev/null | sort
    else
      find "$dir" -type f -printf '%p %T@\n' 2>/dev/null | sort
    fi
  } | sha256sum | cut -d' ' -f1
}

start_opa() {
  local pid t0 dir port
  if pid=$(opa_pid); then
    dir=$(opa_policy_dir)
    if [[ $(opa_fingerprint "$dir") != "$(cat "$OPA_DIR/policies.fingerprint" 2>/dev/null)" ]]; then
      log "opa: policy directories under $dir changed since OPA started; restarting it to load them"
      stop_opa
    elif opa_ready; then
      log "opa: already running (pid $pid) on $LOCAL_OPA_URL, policies $(cat "$OPA_DIR/policies.path" 2>/dev/null)"
      return 0
    else
      log "opa: running (pid $pid) but not ready yet, waiting ..."
      wait_until "opa" "$TIMEOUT" "$pid" "$OPA_DIR/log/opa.log" opa_ready
      return 0
    fi
  fi
  for port in "$OPA_PORT" "$OPA_DIAG_PORT"; do
    port_open "$port" && die "opa: port $port is already in use by $(port_owner "$port"), not by this stack. Stop it, or set OPA_URL to use it as an external OPA, or INFOHUS_OPA_PORT/INFOHUS_OPA_DIAG_PORT to move ours."
  done
  t0=$(now_ms)
  mkdir -p "$OPA_DIR/log"
  dir=$(opa_policy_dir)
  [[ $dir == "$POLICIES" ]] || warn "opa: $POLICIES does not exist; starting with no policies (restart OPA once it exists)"
  printf '%s\n' "$dir" >"$OPA_DIR/policies.path"
  opa_fingerprint "$dir" >"$OPA_DIR/policies.fingerprint"
  [[ -f $OPA_DIR/log/opa.log ]] && mv -f "$OPA_DIR/log/opa.log" "$OPA_DIR/log/opa.log.1"
  step "opa: starting OPA $OPA_VERSION on $LOCAL_OPA_URL with policies from $dir, log $OPA_DIR/log/opa.log"
  local watch=()
  [[ $OPA_WATCH == 1 ]] && watch=(--watch)
  spawn "$OPA_DIR/opa.pid" "$OPA_DIR/log/opa.log" \
    "$OPA_BIN" run --server "${watch[@]}" \
    --addr="127.0.0.1:$OPA_PORT" --diagnostic-addr="127.0.0.1:$OPA_DIAG_PORT" \
    --skip-version-check --log-level=info --log-format=json \
    --set=decision_logs.console=true \
    --ignore='*_test.rego' \
    "$dir"
  pid=$(<"$OPA_DIR/opa.pid")
  wait_until "opa" "$TIMEOUT" "$pid" "$OPA_DIR/log/opa.log" opa_ready
  log "opa: ready (pid $pid) in $(elapsed "$t0")"
}

stop_opa() {
  local pid
  if pid=$(opa_pid); then
    step "opa: stopping (pid $pid)"
    stop_pid opa "$pid" 20
  else
    log "opa: not running"
  fi
  rm -f "$OPA_DIR/opa.pid"
}

status_opa() {
  local pid
  if pid=$(opa_pid); then
    if opa_ready; then
      local note=""
      [[ $(opa_fingerprint "$(opa_policy_dir)") == "$(cat "$OPA_DIR/policies.fingerprint" 2>/dev/null)" ]] ||
        note=" (policy directories changed: 'up' restarts OPA)"
      printf '%-9s running  pid %-7s %-24s policies %s%s\n' opa "$pid" "$LOCAL_OPA_URL" "$(cat "$OPA_DIR/policies.path" 2>/dev/null)" "$note"
      return 0
    fi
    printf '%-9s starting pid %-7s %-24s log %s\n' opa "$pid" "$LOCAL_OPA_URL" "$OPA_DIR/log/opa.log"
    return 1
  fi
  printf '%-9s stopped\n' opa
  return 1
}

# ---------------------------------------------------------------- postgres --

PG_DATA=$PG_DIR/data
PG_SOCKET=$PG_DIR/socket
PG_LOG=$PG_DIR/log/postgres.log

# PostgreSQL refuses to run as root: as root, run it as the postgres OS user.
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_pid() {
  local pid
  [[ -s $PG_DATA/postmaster.pid ]] || return 1
  pid=$(head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres* ]] || return 1
  printf '%s' "$pid"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_psql() { # sql -> output (as the bootstrap superuser over the unix socket)
  "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCKET" -p "$PG_PORT" -U postgres -d postgres -c "$1"
}

pg_init() {
  mkdir -p "$PG_DIR" "$PG_SOCKET" "$PG_DIR/log"
  if is_root; then chown postgres: "$PG_DIR" "$PG_SOCKET" "$PG_DIR/log"; fi
  chmod 755 "$PG_DIR" "$PG_SOCKET"
  local major want
  want=$("$PG_BIN/pg_ctl" --version | sed -n 's/^[^0-9]*\([0-9][0-9]*\).*/\1/p')
  if [[ -s $PG_DATA/PG_VERSION ]]; then
    major=$(<"$PG_DATA/PG_VERSION")
    [[ $major == "$want" ]] ||
      die "postgres: $PG_DATA was created by PostgreSQL $major but $PG_BIN is $want; run 'infra.sh reset postgres' or set INFOHUS_PG_BIN"
    return 0
  fi
  step "postgres: initdb (PostgreSQL $want) in $PG_DATA"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/log/initdb.log" 2>&1 ||
    {
      cat "$PG_DIR/log/initdb.log" >&2
      die "postgres: initdb failed"
    }
  printf "\ninclude_if_exists = 'infohus.conf'\n" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

pg_write_config() {
  as_pg tee "$PG_DATA/infohus.conf" >/dev/null <<EOF
# Generated by deploy/local/infra.sh on every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET'
max_connections = 200
# DEV/TEST ONLY: trade crash safety for speed. Never use these settings for real data.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
}

pg_ensure_role() {
  if [[ -z $(pg_psql "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'") ]]; then
    step "postgres: creating role $PG_ROLE (SUPERUSER, password '$PG_PASSWORD')"
    pg_psql "CREATE ROLE $PG_ROLE LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'" >/dev/null
  fi
  if [[ -z $(pg_psql "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'") ]]; then
    step "postgres: creating database $PG_DATABASE"
    pg_psql "CREATE DATABASE $PG_DATABASE OWNER $PG_ROLE" >/dev/null
  fi
}

start_postgres() {
  local pid t0
  find_pg_bin || die "postgres: PostgreSQL binaries not found (run 'infra.sh provision')"
  if pid=$(pg_pid); then
    if pg_ready; then
      log "postgres: already running (pid $pid) on 127.0.0.1:$PG_PORT"
      return 0
    fi
    log "postgres: running (pid $pid) but not ready yet, waiting ..."
    wait_until "postgres" "$TIMEOUT" "$pid" "$PG_LOG" pg_ready
    return 0
  fi
  if port_open "$PG_PORT"; then
    local hint=""
    command -v pg_lsclusters >/dev/null 2>&1 && hint=" A system cluster? pg_lsclusters says: $(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p {printf "%s/%s %s; ", $1, $2, $4}')stop it with 'pg_ctlcluster <version> <name> stop'."
    die "postgres: port $PG_PORT is already in use by $(port_owner "$PG_PORT"), not by this stack.$hint Or set DATABASE_URL to use that server as external, or INFOHUS_PG_PORT to move ours."
  fi
  t0=$(now_ms)
  pg_init
  pg_write_config
  step "postgres: starting PostgreSQL on 127.0.0.1:$PG_PORT, log $PG_LOG"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$TIMEOUT" start >/dev/null 9>&- ||
    {
      tail -n 30 "$PG_LOG" >&2 || true
      die "postgres: pg_ctl start failed"
    }
  wait_until "postgres" "$TIMEOUT" "" "$PG_LOG" pg_ready
  pg_ensure_role
  log "postgres: ready (pid $(pg_pid)) in $(elapsed "$t0")"
}

stop_postgres() {
  local pid
  if pid=$(pg_pid); then
    step "postgres: stopping (pid $pid)"
    find_pg_bin || die "postgres: pg_ctl not found"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
  else
    log "postgres: not running"
  fi
}

status_postgres() {
  local pid
  if pid=$(pg_pid); then
    if find_pg_bin && pg_ready; then
      printf '%-9s running  pid %-7s %-24s data %s\n' postgres "$pid" "127.0.0.1:$PG_PORT" "$PG_DATA"
      return 0
    fi
    printf '%-9s starting pid %-7s %-24s log %s\n' postgres "$pid" "127.0.0.1:$PG_PORT" "$PG_LOG"
    return 1
  fi
  printf '%-9s stopped\n' postgres
  return 1
}

# ---------------------------------------------------------------- commands --

cmd_provision() {
  local t0 comps
  t0=$(now_ms)
  mapfile -t comps < <(parse_components "$@")
  ensure_cache_dir
  take_lock
  provision "${comps[@]}"
  log "provisioned (${comps[*]}) in $(elapsed "$t0"); cache $CACHE"
}

# Provision, then run each of the step functions given before "--" on every local component named after it
# (external ones are left alone): `up` starts, `restart` stops and starts.
provision_and_each_local() {
  local what=$1 steps=() comps c ext step
  shift
  while [[ $# -gt 0 && $1 != -- ]]; do
    steps+=("$1")
    shift
  done
  shift
  parse_components "$@" >/dev/null # an unknown component stops here, not only in the subshell below
  mapfile -t comps < <(parse_components "$@")
  ensure_cache_dir
  take_lock
  provision "${comps[@]}"
  for c in "${comps[@]}"; do
    if ext=$(external_value "$c"); then
      log "$c: external ($ext), not $what"
      continue
    fi
    for step in "${steps[@]}"; do
      "${step}_$c"
    done
  done
}

cmd_up() {
  local t0
  t0=$(now_ms)
  provision_and_each_local started start -- "$@"
  log "up in $(elapsed "$t0"). For services and tests: eval \"\$($SCRIPT_DIR/infra.sh env)\""
}

cmd_down() {
  local comps c i
  mapfile -t comps < <(parse_components "$@")
  [[ -d $CACHE ]] || {
    log "nothing to stop ($CACHE does not exist)"
    return 0
  }
  take_lock
  # Stop in reverse order of start.
  for ((i = ${#comps[@]} - 1; i >= 0; i--)); do
    c=${comps[i]}
    "stop_$c"
  done
}

# Stop, then start again, waiting until ready: what a fault test or an operator does to a dependency.
cmd_restart() {
  local t0
  t0=$(now_ms)
  provision_and_each_local restarted stop start -- "$@"
  log "restarted (${*:-${ALL_COMPONENTS[*]}}) in $(elapsed "$t0")"
}

cmd_status() {
  local comps c ext rc=0
  mapfile -t comps < <(parse_components "$@")
  for c in "${comps[@]}"; do
    if ext=$(external_value "$c"); then
      printf '%-9s external %s\n' "$c" "$ext"
      continue
    fi
    "status_$c" || rc=3
  done
  return "$rc"
}

# Shell-quote a value only when needed (plain values stay plain for simple parsers).
shell_word() {
  if [[ $1 =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

cmd_env() {
  local kafka_security="" exchange_security=""
  # The local broker requires SASL/PLAIN; each service finds its own password in the credentials file.
  external_value kafka >/dev/null ||
    kafka_security=" KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT KAFKA_SASL_MECHANISM=PLAIN KAFKA_CREDENTIALS_FILE=$(shell_word "$KAFKA_CREDENTIALS")"
  # The same on the exchange cluster, where each organisation connects as its org id.
  external_value exchange >/dev/null ||
    exchange_security=" EXCHANGE_SECURITY_PROTOCOL=SASL_PLAINTEXT EXCHANGE_SASL_MECHANISM=PLAIN EXCHANGE_CREDENTIALS_FILE=$(shell_word "$EXCHANGE_DIR/principals.json")"
  printf 'export KAFKA_BOOTSTRAP_SERVERS=%s OPA_URL=%s DATABASE_URL=%s%s EXCHANGE_BOOTSTRAP_SERVERS=%s%s\n' \
    "$(shell_word "${KAFKA_BOOTSTRAP_SERVERS:-$LOCAL_KAFKA_BOOTSTRAP}")" \
    "$(shell_word "${OPA_URL:-$LOCAL_OPA_URL}")" \
    "$(shell_word "${DATABASE_URL:-$LOCAL_DATABASE_URL}")" \
    "$kafka_security" \
    "$(shell_word "${EXCHANGE_BOOTSTRAP_SERVERS:-$LOCAL_EXCHANGE_BOOTSTRAP}")" \
    "$exchange_security"
}

# Produce and consume a message on a temporary topic of the running broker, as admin; sets the
# caller's ok=1 on failure (with_exchange check_kafka: on the exchange cluster).
check_kafka() {
  local topic out admin
  kafka_pid >/dev/null || die "$KAFKA_NAME: not running"
  require_java
  # As the super user admin (the client settings written by 'up').
  admin=$KAFKA_DIR/admin.properties
  [[ -r $admin ]] || die "$KAFKA_NAME: $admin missing (run 'infra.sh up $KAFKA_NAME')"
  topic=infohus.check.$$.v1
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$LOCAL_KAFKA_BOOTSTRAP" --command-config "$admin" \
    --create --if-not-exists --topic "$topic" --partitions 1 --replication-factor 1 >/dev/null
  printf 'check-%s\n' "$$" | kafka_tool org.apache.kafka.tools.ConsoleProducer \
    --bootstrap-server "$LOCAL_KAFKA_BOOTSTRAP" --producer.config "$admin" --topic "$topic" >/dev/null
  out=$(kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$LOCAL_KAFKA_BOOTSTRAP" \
    --consumer.config "$admin" --topic "$topic" --from-beginning --max-messages 1 --timeout-ms 20000 2>/dev/null || true)
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$LOCAL_KAFKA_BOOTSTRAP" --command-config "$admin" \
    --delete --topic "$topic" >/dev/null || true
  if [[ $out == "check-$$" ]]; then
    log "$KAFKA_NAME: OK (as admin over SASL/PLAIN: produced and consumed a message on a temporary topic)"
  else
    log "$KAFKA_NAME: FAILED (message not consumed back from $topic)"
    ok=1
  fi
}

# End-to-end check of the local (non-external) components.
cmd_check() {
  local comps c ok=0 out code
  mapfile -t comps < <(parse_components "$@")
  for c in "${comps[@]}"; do
    if external_value "$c" >/dev/null; then
      log "$c: external, not checked"
      continue
    fi
    case $c in
    kafka) check_kafka ;;
    exchange) with_exchange check_kafka ;;
    opa)
      code=$(http_status "$OPA_PORT" /health || true)
      if [[ $code == 200 ]]; then log "opa: OK (GET /health -> 200)"; else
        log "opa: FAILED (GET /health -> ${code:-no answer})"
        ok=1
      fi
      ;;
    postgres)
      find_pg_bin || die "postgres: binaries not found"
      if out=$(PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -X -A -t -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DATABASE" \
        -c 'SELECT current_user, version()' 2>&1); then
        log "postgres: OK (${out%% on *})"
      else
        log "postgres: FAILED ($out)"
        ok=1
      fi
      ;;
    esac
  done
  return "$ok"
}

reset_kafka() {
  step "$KAFKA_NAME: wiping $KAFKA_DIR/data (topics, offsets, ACLs; the dev passwords in $KAFKA_CREDENTIALS are kept)"
  rm -rf "$KAFKA_DIR/data"
}

cmd_reset() {
  local comps c
  mapfile -t comps < <(parse_components "$@")
  [[ -d $CACHE ]] || return 0
  cmd_down "$@"
  for c in "${comps[@]}"; do
    case $c in
    kafka) reset_kafka ;;
    exchange) with_exchange reset_kafka ;;
    postgres)
      step "postgres: wiping $PG_DATA"
      rm -rf "$PG_DATA"
      ;;
    opa) : ;; # OPA keeps no state
    esac
  done
}

usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

main() {
  local cmd=${1:-}
  (($# > 0)) && shift
  case $cmd in
  provision) cmd_provision "$@" ;;
  up | start) cmd_up "$@" ;;
  down | stop) cmd_down "$@" ;;
  restart) cmd_restart "$@" ;;
  status) cmd_status "$@" ;;
  env) cmd_env ;;
  check) cmd_check "$@" ;;
  reset) cmd_reset "$@" ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
  esac
}

main "$@"
