#!/usr/bin/env bash
# Benchmark (not a test): automatic failover and planned switchover times of `pgvault ha run`
# against Patroni 3.0.2, each running 3 PostgreSQL 15 nodes on one 1-member etcd, in the same run.
#
#   bench/failover.sh [TRIALS]        (default 5 failover trials per tool; medians reported)
#   SETTLE=3 bench/failover.sh        seconds the healthy cluster runs before each kill (default 3)
#   KEEP_LOGS=1 bench/failover.sh     keep the agents' and servers' logs after a finished run
#   TTL=4 bench/failover.sh           the leader lease of both tools (default 10; loop wait stays 1 s)
#   LOAD_SECONDS=60 bench/failover.sh before the kills, pgbench -c LOAD_CLIENTS (default 8) for that
#                                     long on the primary; a leader change meanwhile fails the run
#   SWITCHOVERS=5 bench/failover.sh   planned switchovers at the end (default 1; median reported)
#   SWITCH_VIA=rest bench/failover.sh request them with curl (POST /switchover to the leader's REST
#                                     API) instead of each tool's command (default cli: pgvault ha
#                                     switchover, patronictl switchover), so no command's start counts
#   TOOLS=pgvault bench/failover.sh   one tool only (default "pgvault patroni")
#   RETRY_INTERVAL=5s bench/failover.sh  pgvault's nodes with that wal_retrieve_retry_interval (the agent
#                                     writes 1s; 5s is PostgreSQL's default), to measure what it changes
#   CDS_HA=0 bench/failover.sh        ha commands without lib/pgvault-ha.jsa (the archive pgvault.jsa
#                                     instead, as before it existed), to measure what it saves
#   ASYNC=0 bench/failover.sh         pgvault archiving without archive.async (default 1, as the
#                                     README advises for HA nodes)
#   DIVERGE=1 bench/failover.sh       before each kill, the primary commits one INSERT no replica
#                                     receives (its walsenders stopped with SIGSTOP): a lost
#                                     asynchronous commit, so every rejoin has to go through pg_rewind
#
# Both tools get the same settings: leader lease ttl 10 s (TTL), loop wait 1 s (Patroni also needs
# retry_timeout, set to 3, or 1 below ttl 7: its rule is loop_wait + 2 * retry_timeout <= ttl),
# fsync off, shared_buffers 32MB, asynchronous replication, pg_rewind for a returning primary.
# pgvault runs as the README configures it (archive_command and restore_command through pgvault
# into a filesystem repository, archive.async on); Patroni runs without archiving, as its own default.
#
# Per tool: start the 3 nodes at once and wait for 1 primary + 2 streaming replicas (REST
# GET /primary 200 on one node, GET /replica 200 on the others, and the primary's
# pg_stat_replication shows 2 streaming). Then each trial: one INSERT replayed on both replicas,
# SETTLE seconds, kill -9 the primary's agent and its postmaster, and time until another node
# accepts an INSERT (psql with connect_timeout=1, polled every 0.1 s); then restart the killed
# node's agent and time until it streams again: its GET /replica answers 200 and the new primary
# shows both replicas streaming, polled every 0.1 s (it rejoins through pg_rewind, or without it
# when its WAL ends at the fork). Last, one switchover to a replica (`pgvault ha switchover --to NAME`,
# `patronictl switchover --candidate NAME --force`), timed from the command's start until NAME
# accepts an INSERT. pgvault runs first, then Patroni, on the same etcd (separate prefixes).
#
# Needs a built pgvault (mvn -B -q package -DskipTests), etcd (apt-get install -y etcd-server)
# and Patroni 3.0.2 (apt-get install -y patroni; the Debian package also brings python3-etcd and
# python3-psycopg2). Runs PostgreSQL, the agents and Patroni as the postgres OS user when started
# as root. Every wait has a timeout; on failure the script says what did not happen and keeps the
# logs (agents, Patroni, PostgreSQL, etcd) under its work directory, which it prints.
set -euo pipefail

trials=${1:-5}
settle=${SETTLE:-3}
ttl=${TTL:-10}
load_seconds=${LOAD_SECONDS:-0}
load_clients=${LOAD_CLIENTS:-8}
switchovers=${SWITCHOVERS:-1}
async=${ASYNC:-1}
switch_via=${SWITCH_VIA:-cli}
diverge=${DIVERGE:-0}
[ "$switch_via" = cli ] || [ "$switch_via" = rest ] || { echo "bench: SWITCH_VIA must be cli or rest, not '$switch_via'" >&2; exit 2; }
for v in ttl load_seconds load_clients switchovers async; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "bench: ${v^^} must be a whole number, not '${!v}'" >&2; exit 2; }
done
[ "$ttl" -ge 4 ] || { echo "bench: TTL must be at least 4 (pgvault's shortest lease with loop wait 1)" >&2; exit 2; }
[ "$switchovers" -ge 1 ] || { echo "bench: SWITCHOVERS must be at least 1" >&2; exit 2; }
[ "$async" = 0 ] || [ "$async" = 1 ] || { echo "bench: ASYNC must be 0 or 1, not '$async'" >&2; exit 2; }
[ "$diverge" = 0 ] || [ "$diverge" = 1 ] || { echo "bench: DIVERGE must be 0 or 1, not '$diverge'" >&2; exit 2; }
[ "$load_clients" -ge 1 ] || { echo "bench: LOAD_CLIENTS must be at least 1" >&2; exit 2; }
retry_timeout=$(( ttl >= 7 ? 3 : (ttl - 1) / 2 )) # Patroni's rule: loop_wait + 2 x retry_timeout <= ttl
tools=${TOOLS:-pgvault patroni}
for t in $tools; do
    [ "$t" = pgvault ] || [ "$t" = patroni ] || { echo "bench: TOOLS may name pgvault and patroni, not '$t'" >&2; exit 2; }
done
[[ "$settle" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "bench: SETTLE must be a number of seconds, not '$settle'" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd -P)
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
etcd_bin=${ETCD:-/usr/bin/etcd}
if [ -x "$pgbin/psql" ]; then psql_bin=$pgbin/psql; else psql_bin=/usr/bin/psql; fi
[[ "$trials" =~ ^[1-9][0-9]*$ ]] || { echo "bench: TRIALS must be a positive number, not '$trials'" >&2; exit 2; }
[ -f "$here/cli/target/pgvault/lib/pgvault-cli.jar" ] || { echo "bench: build pgvault first: mvn -B -q package -DskipTests" >&2; exit 1; }
[ -x "$etcd_bin" ] || { echo "bench: etcd is not installed (apt-get install -y etcd-server)" >&2; exit 1; }
if ! command -v patroni >/dev/null || ! command -v patronictl >/dev/null; then
    echo "bench: Patroni is not installed (apt-get install -y patroni)" >&2; exit 1
fi
if [ ! -x "$pgbin/pg_ctl" ] || [ ! -x "$psql_bin" ]; then echo "bench: PostgreSQL 15 not found in $pgbin" >&2; exit 1; fi
for prog in curl python3 timeout setpriv; do
    command -v "$prog" >/dev/null || { echo "bench: $prog is not installed" >&2; exit 1; }
done

if [ "$(id -u)" = 0 ]; then
    pguser=postgres
    as=(runuser -u postgres --)
    as_exec=(setpriv --reuid=postgres --regid=postgres --init-groups --) # execs: $! is the agent itself
else
    pguser=$(id -un)
    as=()
    as_exec=()
fi
work=$(mktemp -d /tmp/pgvault-bench-failover.XXXXXX)
chmod 755 "$work"
ok=false
etcd_pid=
declare -a pid=() dir=() pgport=() apiport=() name=()
tool=

# Stops every process this script started (agents, Patroni, PostgreSQL, etcd); keeps the logs
# when the run did not finish.
stop_nodes() {
    local i p
    for i in "${!pid[@]}"; do
        p=${pid[$i]}
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
            kill -9 "$p" 2>/dev/null || true
            { wait "$p"; } 2>/dev/null || true
        fi
        pid[i]=
    done
    for i in "${!dir[@]}"; do
        if [ -f "${dir[$i]}/data/postmaster.pid" ]; then
            "${as[@]}" "$pgbin/pg_ctl" -D "${dir[$i]}/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
        fi
    done
}
cleanup() {
    local status=$?
    set +e
    # shellcheck disable=SC2046
    [ ! -f "$work/stopped-walsenders" ] || kill -9 $(cat "$work/stopped-walsenders") 2>/dev/null
    stop_nodes
    if [ -n "$etcd_pid" ]; then
        kill "$etcd_pid" 2>/dev/null
        { wait "$etcd_pid"; } 2>/dev/null
    fi
    # the nodes' resident archivers (archive.async) outlive their postmasters until idle-exit
    pkill -f -- "--config $work/pgvault/" 2>/dev/null
    sleep 0.5
    if $ok && [ -z "${KEEP_LOGS:-}" ]; then
        rm -rf "$work"
    elif $ok; then
        rm -rf "$work/dist" "$work/etcd-data" "$work"/*/n?/data
        echo "bench: logs kept in $work (KEEP_LOGS)" >&2
    else
        rm -rf "$work/dist" "$work/etcd-data" "$work"/*/n?/data
        echo "bench: did not finish (exit $status); logs kept in $work" >&2
        echo "       (*/n?/agent.log and data.log: pgvault; */n?/patroni.log: Patroni; etcd.log)" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
    local i
    echo "bench: $*" >&2
    for i in "${!dir[@]}"; do
        for f in "${dir[$i]}/agent.log" "${dir[$i]}/patroni.log"; do
            [ -f "$f" ] && { echo "---- $f (tail)" >&2; tail -n 15 "$f" >&2; }
        done
    done
    exit 1
}
now() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", (b - a) / 1e9}'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {printf "%.2f", (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

# Ports: all chosen at once, every socket held until the last is bound, so none repeats.
read -r -a ports <<<"$(python3 -c '
import socket
s = [socket.socket() for _ in range(14)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')"
etcd_url=http://127.0.0.1:${ports[0]}

sql() { # PORT SQL: the first column of the result, or a failure
    timeout 5 "$psql_bin" "host=127.0.0.1 port=$1 user=postgres dbname=postgres connect_timeout=1" -qAtX -c "$2" 2>/dev/null
}
api() { # PORT PATH: the HTTP status code, 000 when nothing answers
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1$2" || true
}

echo "etcd ..."
"$etcd_bin" --name m0 --data-dir "$work/etcd-data" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "http://127.0.0.1:${ports[1]}" --initial-advertise-peer-urls "http://127.0.0.1:${ports[1]}" \
    --initial-cluster "m0=http://127.0.0.1:${ports[1]}" --initial-cluster-state new \
    --initial-cluster-token "bench-$$" --logger zap --log-outputs stderr >"$work/etcd.log" 2>&1 </dev/null &
etcd_pid=$!
deadline=$(( $(date +%s) + 30 ))
until curl -s --max-time 1 "$etcd_url/health" | grep -q '"health":"true"'; do
    kill -0 "$etcd_pid" 2>/dev/null || die "etcd exited at start (see $work/etcd.log)"
    [ "$(date +%s)" -lt "$deadline" ] || die "etcd not healthy within 30 s at $etcd_url"
    sleep 0.2
done

# pgvault from a copy PostgreSQL's user can read; its class-data archive is rebuilt for the copy.
mkdir -p "$work/dist/bin" "$work/dist/lib" "$work/repo"
cp "$here/bin/pgvault" "$work/dist/bin/"
cp -r "$here"/cli/target/pgvault/lib/. "$work/dist/lib/" && rm -f "$work"/dist/lib/*.jsa
echo "bench-token-0123456789" > "$work/api-token"
echo "Authorization: Bearer bench-token-0123456789" > "$work/api-auth-header" # curl -H @file: not in argv
chmod -R a+rX "$work/dist"
if [ "$pguser" = postgres ]; then chown -R postgres "$work/dist" "$work/repo" "$work/api-token"; fi
"${as[@]}" "$work/dist/bin/pgvault" --build-cds
if [ "${CDS_HA:-1}" = 0 ]; then rm -f "$work/dist/lib/pgvault-ha.jsa"; fi

# ---- the two tools: node configuration, start, switchover ----

# setup_nodes TOOL: three node directories with their configuration, ports from the pool.
setup_nodes() {
    local i d first=8
    tool=$1
    [ "$tool" = pgvault ] && first=2
    mkdir -p "$work/$tool"
    for i in 0 1 2; do
        name[i]=n$((i + 1))
        d=$work/$tool/${name[$i]}
        dir[i]=$d
        pgport[i]=${ports[$((first + 2 * i))]}
        apiport[i]=${ports[$((first + 2 * i + 1))]}
        pid[i]=
        mkdir -m 700 "$d"
        if [ "$tool" = pgvault ]; then
            mkdir -m 700 "$d/data"
            cat > "$d/pgvault.yaml" <<YAML
stanza: bench
process-max: 2
pg:
  data: $d/data
  host: 127.0.0.1
  port: ${pgport[$i]}
  user: postgres
  bin: $pgbin
  parameters:
    unix_socket_directories: $d
    fsync: 'off'
    shared_buffers: 32MB
    max_connections: 30
    wal_keep_size: 256MB
$(if [ -n "${RETRY_INTERVAL:-}" ]; then printf '    wal_retrieve_retry_interval: %s\n' "$RETRY_INTERVAL"; fi)
$(if [ "$async" = 1 ]; then printf 'archive:\n  async: true\n  spool: %s\n' "$d/spool"; fi)
repo:
  type: fs
  path: $work/repo
ha:
  cluster: bench
  name: ${name[$i]}
  etcd: [$etcd_url]
  ttl: $ttl
  loop-wait: 1
  api: 127.0.0.1:${apiport[$i]}
  api-token-file: $work/api-token
YAML
        else
            cat > "$d/patroni.yml" <<YAML
scope: bench
namespace: /service/
name: ${name[$i]}
log:
  level: INFO
restapi:
  listen: 127.0.0.1:${apiport[$i]}
  connect_address: 127.0.0.1:${apiport[$i]}
etcd3:
  hosts: ['127.0.0.1:${ports[0]}']
bootstrap:
  dcs:
    ttl: $ttl
    loop_wait: 1
    retry_timeout: $retry_timeout
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      parameters:
        fsync: 'off'
        shared_buffers: 32MB
        max_connections: 30
        wal_keep_size: 256MB
  initdb:
    - data-checksums
    - auth: trust
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:${pgport[$i]}
  connect_address: 127.0.0.1:${pgport[$i]}
  data_dir: $d/data
  bin_dir: $pgbin
  pgpass: $d/pgpass
  authentication:
    superuser: {username: postgres}
    replication: {username: replicator, password: replicator}
  parameters:
    unix_socket_directories: $d
watchdog:
  mode: 'off'
YAML
        fi
        if [ "$pguser" = postgres ]; then chown -R postgres "$d"; fi
    done
}

start_node() { # INDEX: the agent (pgvault ha run, or patroni) in the background, as postgres
    local d=${dir[$1]}
    if [ "$tool" = pgvault ]; then
        HOME=$d "${as_exec[@]}" "$work/dist/bin/pgvault" --config "$d/pgvault.yaml" ha run >>"$d/agent.log" 2>&1 </dev/null &
    else
        HOME=$d "${as_exec[@]}" patroni "$d/patroni.yml" >>"$d/patroni.log" 2>&1 </dev/null &
    fi
    pid[$1]=$!
}

agent_log() { if [ "$tool" = pgvault ]; then echo "${dir[$1]}/agent.log"; else echo "${dir[$1]}/patroni.log"; fi; }

switchover() { # FROM TO: the tool's planned switchover command, waiting for its answer
    if [ "$switch_via" = rest ]; then
        local code
        if [ "$tool" = pgvault ]; then
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X POST -H @"$work/api-auth-header" \
                -d "{\"to\": \"${name[$2]}\"}" "http://127.0.0.1:${apiport[$1]}/switchover")
        else
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X POST \
                -d "{\"leader\": \"${name[$1]}\", \"candidate\": \"${name[$2]}\"}" "http://127.0.0.1:${apiport[$1]}/switchover")
        fi
        echo "POST /switchover: HTTP $code"
        [ "$code" = 200 ] || [ "$code" = 202 ]
        return
    fi
    if [ "$tool" = pgvault ]; then
        timeout 120 "${as[@]}" "$work/dist/bin/pgvault" --config "${dir[$2]}/pgvault.yaml" ha switchover --to "${name[$2]}" --timeout 60
    else
        timeout 120 patronictl -c "${dir[$2]}/patroni.yml" switchover --leader "${name[$1]}" --candidate "${name[$2]}" --force bench
    fi
}

# ---- waits, kills, timings: the same for both tools ----

primary=
# One node answers /primary 200, the others /replica 200, and the primary streams to both.
healthy() {
    local i p=() r=0
    for i in 0 1 2; do
        if [ "$(api "${apiport[$i]}" /primary)" = 200 ]; then p+=("$i");
        elif [ "$(api "${apiport[$i]}" /replica)" = 200 ]; then r=$((r + 1)); fi
    done
    [ "${#p[@]}" = 1 ] && [ "$r" = 2 ] || return 1
    [ "$(sql "${pgport[${p[0]}]}" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 2 ] || return 1
    primary=${p[0]}
}
wait_healthy() { # SECONDS WHAT
    local i deadline=$(( $(date +%s) + $1 ))
    until healthy; do
        for i in 0 1 2; do
            [ -z "${pid[$i]}" ] || kill -0 "${pid[$i]}" 2>/dev/null ||
                die "$tool: the agent of ${name[$i]} exited while waiting for: $2"
        done
        [ "$(date +%s)" -lt "$deadline" ] || die "$tool: not reached within $1 s: $2 (1 primary and 2 streaming replicas)"
        sleep 0.5
    done
}
# The rejoin's end, looked at every 0.1 s with one request and one query (the whole health check,
# seven programs, every 0.1 s would take CPU from the very rejoin it times): the node answers
# GET /replica 200 and the primary shows both replicas streaming. The whole check follows, untimed.
wait_rejoined() { # SECONDS INDEX PRIMARY-INDEX
    local deadline=$(( $(date +%s) + $1 ))
    until [ "$(api "${apiport[$2]}" /replica)" = 200 ] &&
        [ "$(sql "${pgport[$3]}" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 2 ]; do
        kill -0 "${pid[$2]}" 2>/dev/null || die "$tool: the agent of ${name[$2]} exited while it was rejoining"
        [ "$(date +%s)" -lt "$deadline" ] || die "$tool: ${name[$2]} did not stream again within $1 s"
        sleep 0.1
    done
}
# An INSERT on the primary, replayed on both replicas: nothing is in flight at the kill.
value=0
replicated() {
    local i lsn deadline=$(( $(date +%s) + 30 ))
    value=$((value + 1))
    sql "${pgport[$primary]}" "INSERT INTO bench VALUES ($value)" >/dev/null || die "$tool: INSERT on primary ${name[$primary]} failed"
    lsn=$(sql "${pgport[$primary]}" "SELECT pg_current_wal_lsn()") || die "$tool: no WAL position from ${name[$primary]}"
    for i in 0 1 2; do
        [ "$i" = "$primary" ] && continue
        until [ "$(sql "${pgport[$i]}" "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ]; do
            [ "$(date +%s)" -lt "$deadline" ] || die "$tool: ${name[$i]} did not replay $lsn within 30 s"
            sleep 0.1
        done
    done
}
# Polls the INSERT on the given nodes every 0.1 s until one accepts it; prints its index.
first_writable() { # TIMEOUT INDEX...
    local i limit=$1 start
    shift
    start=$(date +%s)
    value=$((value + 1))
    while [ $(( $(date +%s) - start )) -lt "$limit" ]; do
        for i in "$@"; do
            if sql "${pgport[$i]}" "INSERT INTO bench VALUES ($value)" >/dev/null; then echo "$i"; return 0; fi
        done
        sleep 0.1
    done
    return 1
}
# DIVERGE=1: the primary's walsenders stopped, then one INSERT committed there alone (replication
# is asynchronous): WAL past the fork the failover will make. Prints the walsenders' pids (run in
# a subshell: the caller counts the value).
diverge_primary() {
    local senders
    senders=$(sql "${pgport[$primary]}" "SELECT string_agg(pid::text, ' ') FROM pg_stat_replication") ||
        die "$tool: no walsenders listed on ${name[$primary]}"
    [ -n "$senders" ] || die "$tool: ${name[$primary]} has no walsenders to stop"
    echo "$senders" >>"$work/stopped-walsenders" # killed by cleanup if the run dies before kill_node
    # shellcheck disable=SC2086
    kill -STOP $senders || die "$tool: cannot stop the walsenders of ${name[$primary]}"
    sql "${pgport[$primary]}" "INSERT INTO bench VALUES ($value)" >/dev/null || die "$tool: the diverging INSERT on ${name[$primary]} failed"
    echo "$senders"
}
kill_node() { # INDEX [STOPPED-PIDS]: SIGKILL to the agent, then to the postmaster (and to processes left stopped): a power cut
    local i=$1 pm
    [ -f "${dir[$i]}/data/postmaster.pid" ] || die "$tool: ${name[$i]} has no postmaster.pid to kill"
    pm=$(head -n 1 "${dir[$i]}/data/postmaster.pid")
    # a stopped walsender would never see its postmaster gone, and would keep the shared memory
    # that the restarted node's postmaster refuses to start beside
    # shellcheck disable=SC2086
    [ -z "${2:-}" ] || kill -9 $2 2>/dev/null || true
    kill -9 "${pid[$i]}" 2>/dev/null || die "$tool: the agent of ${name[$i]} was not running"
    kill -9 "$pm" 2>/dev/null || die "$tool: the postmaster of ${name[$i]} ($pm) was not running"
    { wait "${pid[$i]}"; } 2>/dev/null || true
    pid[i]=
}

declare -A failover rejoin switch
# The current timeline of the node at INDEX, from its WAL file name.
timeline_of() { sql "${pgport[$1]}" "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"; }
# LOAD_SECONDS of pgbench -c LOAD_CLIENTS on the primary: the same primary on the same timeline after.
under_load() {
    local before tl out tps
    before=$primary
    tl=$(timeline_of "$primary") || die "$tool: no timeline from ${name[$primary]}"
    "${as[@]}" "$pgbin/pgbench" -h 127.0.0.1 -p "${pgport[$primary]}" -U postgres -i -s 1 -q postgres >/dev/null 2>&1 ||
        die "$tool: pgbench -i on ${name[$primary]} failed"
    out=$("${as[@]}" "$pgbin/pgbench" -h 127.0.0.1 -p "${pgport[$primary]}" -U postgres -c "$load_clients" -j 2 \
        -T "$load_seconds" postgres 2>&1) || die "$tool: pgbench -c $load_clients on ${name[$primary]} failed (a leader change?): $(echo "$out" | tail -n 3)"
    tps=$(echo "$out" | awk '/^tps/ {printf "%.0f", $3}')
    wait_healthy 30 "healthy after the load"
    [ "$primary" = "$before" ] && [ "$(timeline_of "$primary")" = "$tl" ] ||
        die "$tool: the leader changed under load: ${name[$before]} on timeline $tl before, ${name[$primary]} on $(timeline_of "$primary") after"
    echo "$tool: ${load_seconds} s of pgbench -c $load_clients on ${name[$primary]} at $tps tps, no leader change (ttl $ttl s)"
}
# Lines of an agent's log that tell of a pg_rewind run (pgvault's check that finds none needed does not count).
rewind_lines() { # LOG
    grep pg_rewind "$1" | grep -vc "no pg_rewind needed" || true
}
run_tool() { # TOOL
    local t old took took2 how next start rewinds skips target i others stopped
    setup_nodes "$1"
    echo
    echo "== $tool: starting 3 nodes ..."
    start=$(now)
    for i in 0 1 2; do start_node "$i"; done
    wait_healthy 180 "bootstrap"
    echo "$tool: 1 primary (${name[$primary]}) + 2 streaming replicas after $(secs_since "$start") s"
    sql "${pgport[$primary]}" "CREATE TABLE bench (v int)" >/dev/null || die "$tool: CREATE TABLE on ${name[$primary]} failed"
    [ "$load_seconds" = 0 ] || under_load
    for ((t = 1; t <= trials; t++)); do
        wait_healthy 180 "healthy before trial $t"
        replicated
        sleep "$settle"
        wait_healthy 30 "still healthy after settling, trial $t"
        old=$primary
        others=()
        for i in 0 1 2; do [ "$i" = "$old" ] || others+=("$i"); done
        rewinds=$(rewind_lines "$(agent_log "$old")")
        skips=$(grep -c "no pg_rewind needed" "$(agent_log "$old")" || true)
        stopped=
        [ "$diverge" = 0 ] || { value=$((value + 1)); stopped=$(diverge_primary); }
        start=$(now)
        kill_node "$old" "$stopped"
        next=$(first_writable 60 "${others[@]}") ||
            die "$tool: trial $t: neither ${name[${others[0]}]} nor ${name[${others[1]}]} accepted an INSERT within 60 s after ${name[$old]} was killed"
        took=$(secs_since "$start")
        failover[$tool]+="$took "
        start=$(now)
        start_node "$old"
        wait_rejoined 180 "$old" "$next"
        took2=$(secs_since "$start")
        wait_healthy 180 "${name[$old]} back as a streaming replica after trial $t"
        [ "$primary" != "$old" ] || die "$tool: trial $t: ${name[$old]} came back as the primary"
        rejoin[$tool]+="$took2 "
        if [ "$(rewind_lines "$(agent_log "$old")")" -gt "$rewinds" ]; then how="through pg_rewind"
        elif [ "$(grep -c "no pg_rewind needed" "$(agent_log "$old")" || true)" -gt "$skips" ]; then
            how="without pg_rewind: its WAL ended at the fork"
        else how="no pg_rewind in its log"; fi
        [ "$diverge" = 0 ] || [ "$how" = "through pg_rewind" ] ||
            die "$tool: trial $t: ${name[$old]} rejoined $how, though DIVERGE=1 gave it WAL past the fork"
        printf "%s trial %d: killed %s, %s accepted an INSERT after %s s; %s streaming again %s s after restart (%s)\n" \
            "$tool" "$t" "${name[$old]}" "${name[$next]}" "$took" "${name[$old]}" "$took2" "$how"
    done
    target=$old # the last killed node: a streaming replica now
    for ((t = 1; t <= switchovers; t++)); do
        wait_healthy 180 "healthy before switchover $t"
        replicated
        sleep "$settle"
        wait_healthy 30 "still healthy before switchover $t"
        [ "$target" != "$primary" ] || target=$(( (primary + 1) % 3 ))
        start=$(now)
        switchover "$primary" "$target" > "$work/$tool/switchover.out" 2>&1 ||
            { cat "$work/$tool/switchover.out" >&2; die "$tool: the switchover ${name[$primary]} -> ${name[$target]} failed"; }
        first_writable 60 "$target" >/dev/null ||
            die "$tool: ${name[$target]} did not accept an INSERT within 60 s after the switchover command returned"
        took=$(secs_since "$start")
        switch[$tool]+="$took "
        echo "$tool switchover $t ${name[$primary]} -> ${name[$target]}: $took s until ${name[$target]} accepted an INSERT"
        target=$(( 3 - primary - target )) # the next one goes to the third node
    done
    stop_nodes
}

echo "failover benchmark: $trials trials per tool, ttl $ttl s, switchovers by $switch_via, settle ${settle} s, pgvault async $async, diverge $diverge, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for t in $tools; do run_tool "$t"; done

echo
printf "%-8s %11s %9s %12s   %s\n" tool failover_s rejoin_s switchover_s "failover per trial (s)"
for t in $tools; do
    printf "%-8s %11s %9s %12s   %s\n" "$t" "$(echo "${failover[$t]}" | median)" "$(echo "${rejoin[$t]}" | median)" \
        "$(echo "${switch[$t]}" | median)" "${failover[$t]}"
    echo "$t: rejoin per trial (s) ${rejoin[$t]}; switchover per trial (s) ${switch[$t]}"
done
if [ "$tools" = "pgvault patroni" ]; then
    fp=$(echo "${failover[pgvault]}" | median); fq=$(echo "${failover[patroni]}" | median)
    rp=$(echo "${rejoin[pgvault]}" | median); rq=$(echo "${rejoin[patroni]}" | median)
    sp=$(echo "${switch[pgvault]}" | median); sq=$(echo "${switch[patroni]}" | median)
    echo
    echo "ratio pgvault/Patroni: failover $(ratio "$fp" "$fq"), switchover $(ratio "$sp" "$sq") (medians; rejoin $(ratio "$rp" "$rq"))"
fi
echo "(failover: kill -9 of the primary's agent and postmaster until another node accepts an INSERT; ttl $ttl s, loop wait 1 s)"
ok=true
