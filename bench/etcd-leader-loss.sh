#!/usr/bin/env bash
# Benchmark (not a test): does losing the etcd leader make a pgvault primary demote for nothing?
# One `pgvault ha run` node (its own PostgreSQL 15) on a three-member etcd; each trial finds the
# etcd leader, kills it (SIGKILL), reads the agent's log for a DEMOTE over the next 12 s, then
# restarts the killed member and lets it rejoin. Runs the trials at each lease in TTLS.
#
#   bench/etcd-leader-loss.sh [TRIALS]      (default 7 leader kills per ttl)
#   TTLS="4 10" bench/etcd-leader-loss.sh   the leases to try (default "4 10"; loop-wait 1)
#   KEEP_LOGS=1 bench/etcd-leader-loss.sh   keep the agent's and etcd's logs
#
# Needs a built pgvault (mvn -B -q package -DskipTests) and etcd (apt-get install -y etcd-server).
# Runs PostgreSQL and the agent as the postgres OS user when started as root. The README's short
# lease section says what it found: at ttl 4, 7 demotions in 14 kills (two runs of 7: 4, then 3);
# at ttl 10, none in 14.
set -euo pipefail

trials=${1:-7}
ttls=${TTLS:-"4 10"}
[[ "$trials" =~ ^[1-9][0-9]*$ ]] || { echo "bench: TRIALS must be a whole number above 0, not '$trials'" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
etcd_bin=${ETCD:-/usr/bin/etcd}
[ -x "$etcd_bin" ] || { echo "bench: etcd not installed (apt-get install -y etcd-server)" >&2; exit 2; }
[ -d "$here/cli/target/pgvault/lib" ] || { echo "bench: build pgvault first (mvn -B -q package -DskipTests)" >&2; exit 2; }
if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); else as=(); fi

work=$(mktemp -d /tmp/pgvault-bench-etcd-leader.XXXXXX)
chmod 755 "$work" # PostgreSQL's user reads its configuration and writes its data below
agent_pid=""
cleanup() {
    set +e
    [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && sleep 5
    pkill -f -- "--config $work/" 2>/dev/null
    pkill -9 -f -- "--data-dir $work/etcd" 2>/dev/null
    if [ -n "${KEEP_LOGS:-}" ]; then rm -rf "$work"/n1/data "$work"/etcd?; echo "bench: logs kept in $work" >&2
    else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r -a ports <<<"$(python3 -c '
import socket
s = [socket.socket() for _ in range(8)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')"
client() { echo "http://127.0.0.1:${ports[$(( ($1 - 1) * 2 ))]}"; }
peer() { echo "http://127.0.0.1:${ports[$(( ($1 - 1) * 2 + 1 ))]}"; }
members="e1=$(peer 1),e2=$(peer 2),e3=$(peer 3)"
start_member() {
    "$etcd_bin" --name "e$1" --data-dir "$work/etcd$1" --listen-client-urls "$(client "$1")" \
        --advertise-client-urls "$(client "$1")" --listen-peer-urls "$(peer "$1")" \
        --initial-advertise-peer-urls "$(peer "$1")" --initial-cluster "$members" --initial-cluster-state new \
        --initial-cluster-token "bench-$$" >>"$work/etcd$1.log" 2>&1 </dev/null &
    disown # its SIGKILL is the trial, not news for this shell
}
leader() { # the number of the member that leads, or nothing
    local i
    for i in 1 2 3; do
        if curl -s --max-time 1 -X POST -d '{}' "$(client "$i")/v3/maintenance/status" |
            python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["header"]["member_id"] == d["leader"] else 1)' 2>/dev/null; then
            echo "$i"; return
        fi
    done
}
await_leader() {
    local deadline=$(( $(date +%s) + 30 ))
    until [ -n "$(leader)" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: etcd has no leader after 30 s" >&2; exit 1; }
        sleep 0.2
    done
}
for i in 1 2 3; do start_member "$i"; done
await_leader

mkdir -p "$work/repo" "$work/n1"
echo "bench-token-0123456789" >"$work/api-token"
chmod 600 "$work/api-token"
[ "${#as[@]}" -eq 0 ] || chown -R postgres "$work/repo" "$work/n1" "$work/api-token"
pgport=${ports[6]}
apiport=${ports[7]}

summary=""
for ttl in $ttls; do
    rm -rf "$work/n1/data" "$work/repo"/* "$work/n1/spool"
    cat >"$work/n1/pgvault.yaml" <<EOF
stanza: leader$ttl
pg:
  data: $work/n1/data
  host: 127.0.0.1
  port: $pgport
  user: postgres
  bin: /usr/lib/postgresql/15/bin
  parameters:
    unix_socket_directories: $work/n1
    fsync: 'off'
    shared_buffers: 32MB
archive:
  async: true
  spool: $work/n1/spool
repo:
  type: fs
  path: $work/repo
ha:
  cluster: leader$ttl
  name: n1
  etcd: [$(client 1), $(client 2), $(client 3)]
  ttl: $ttl
  loop-wait: 1
  api: 127.0.0.1:$apiport
  api-token-file: $work/api-token
EOF
    [ "${#as[@]}" -eq 0 ] || chown -R postgres "$work/n1"
    log="$work/agent-ttl$ttl.log"
    (cd "$work" && exec "${as[@]}" "$here/bin/pgvault" --config "$work/n1/pgvault.yaml" ha run >"$log" 2>&1 </dev/null) &
    agent_pid=$!
    deadline=$(( $(date +%s) + 60 ))
    until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$apiport/primary" || true)" = 200 ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: ttl $ttl: no primary within 60 s" >&2; tail -20 "$log" >&2; exit 1; }
        sleep 0.2
    done
    # the stanza, once the agent's initdb made the cluster it archives
    (cd "$work" && "${as[@]}" "$here/bin/pgvault" --config "$work/n1/pgvault.yaml" init >/dev/null)
    sleep 3
    if grep -q "is a short lease and etcd has 3 members" "$log"; then warned="warned at its start"; else warned="no warning"; fi
    echo "ttl $ttl: the agent leads ($warned)"
    demoted=0
    for ((t = 1; t <= trials; t++)); do
        await_leader
        lead=$(leader)
        before=$(wc -l <"$log")
        pkill -9 -f -- "--name e$lead --data-dir $work/etcd$lead "
        sleep 12
        if tail -n +"$((before + 1))" "$log" | grep -q "DEMOTE"; then
            demoted=$((demoted + 1)); what="demoted"
        else
            what="kept leading"
        fi
        echo "ttl $ttl trial $t: etcd leader e$lead killed; the primary $what"
        start_member "$lead"
        sleep 6
    done
    kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true
    agent_pid=""
    pkill -f -- "--config $work/n1/" 2>/dev/null || true
    sleep 2
    summary+="ttl $ttl: $demoted of $trials etcd leader losses demoted the primary for nothing ($warned)"$'\n'
done
echo "etcd leader loss benchmark: 3 etcd members, one pgvault node, loop-wait 1, $(nproc) cores"
printf "%s" "$summary"
