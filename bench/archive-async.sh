#!/usr/bin/env bash
# Benchmark (not a test): asynchronous WAL archiving of pgvault against pgBackRest 2.45
# (archive-async=y, process-max 2), on filesystem repositories, zstd level 3, in the same run.
#
#   bench/archive-async.sh [SEGMENTS] [ROUNDS]     (defaults: 32 segments, 5 rounds)
#
# 1. Burst lag: SEGMENTS segments of random-text WAL (it compresses about 2x) written as fast as
#    PostgreSQL can, then the seconds from the last segment switch until pg_stat_archiver shows
#    it archived and no .ready is left. Rounds alternate which tool goes first; each after sync.
# 2. A call answered from the spool: whole-process time of `pgvault archive-push` for a segment
#    the resident archiver has already pushed (the launcher answers without a JVM), against
#    pgBackRest's archive-push of a segment its async process has already pushed.
# Needs a built pgvault (mvn -B -q package -DskipTests) and pgbackrest; runs as postgres when root.
set -euo pipefail

segments=${1:-32}
rounds=${2:-5}
source "$(dirname "$0")/lib.sh"
need_pgbackrest
need_pgvault
bench_workdir pgvault-bench
mkdir -p "$work/spool-pgvault" "$work/spool-pgbackrest" "$work/lock"
bench_dist
pgvault="$work/dist/bin/pgvault --config $work/pgvault.yaml"

port=$((20000 + RANDOM % 20000))
$as "$pgbin/initdb" -D "$work/data" -U postgres -A trust --no-sync >/dev/null
cat >> "$work/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
archive_mode = on
archive_command = 'true'
max_wal_size = 4GB
CONF
cat > "$work/pgvault.yaml" <<YAML
stanza: bench
pg:
  data: $work/data
  port: $port
repo:
  path: $work/repo-pgvault
  compress: zstd
  compress-level: 3
process-max: 2
archive:
  async: true
  spool: $work/spool-pgvault
  push-max: 4
YAML
cat > "$work/pgbackrest.conf" <<CONF
[global]
repo1-path=$work/repo-pgbackrest
compress-type=zst
compress-level=3
process-max=2
archive-async=y
spool-path=$work/spool-pgbackrest
lock-path=$work/lock
log-level-console=warn
log-level-file=off
start-fast=y
[bench]
pg1-path=$work/data
pg1-port=$port
pg1-socket-path=$work
CONF
mkdir -p "$work/repo-pgvault" "$work/repo-pgbackrest"
[ -n "$as" ] && chown -R postgres "$work"
$as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
psql() { $as "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtX "$@"; }
$as $pgvault init >/dev/null
$as pgbackrest --config="$work/pgbackrest.conf" --stanza=bench stanza-create >/dev/null
psql -c "CREATE TABLE noise (id bigint, body text)"

use() { # TOOL: point archive_command at it
    case $1 in
        pgvault) cmd="$work/dist/bin/pgvault --config $work/pgvault.yaml archive-push %p" ;;
        pgbackrest) cmd="pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p" ;;
    esac
    psql -c "ALTER SYSTEM SET archive_command = '$cmd'" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
}
drain() { # waits until nothing is .ready
    while [ "$(psql -c "SELECT count(*) FROM pg_ls_dir('pg_wal/archive_status') f WHERE f LIKE '%.ready'")" != 0 ]; do
        sleep 0.02
    done
}
burst() { # TOOL -> seconds from the last switch until it is archived
    use "$1"
    drain
    sync
    psql -c "DO \$\$ BEGIN FOR i IN 1..$segments LOOP
        INSERT INTO noise SELECT g, md5(random()::text) || md5(random()::text) FROM generate_series(1, 60000) g;
        PERFORM pg_switch_wal(); END LOOP; END \$\$"
    local t0 last
    last=$(psql -c "SELECT pg_walfile_name(pg_switch_wal())") # the burst's last segment, switched out
    t0=$(date +%s%N)
    while :; do
        la=$(psql -c "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
        if [ -n "$la" ] && [ ! "$la" \< "$last" ] &&
            [ "$(psql -c "SELECT count(*) FROM pg_ls_dir('pg_wal/archive_status') f WHERE f LIKE '%.ready'")" = 0 ]; then
            break
        fi
        sleep 0.01
    done
    echo "scale=2; ($(date +%s%N) - $t0) / 1000000000" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
range() { sort -n | awk '{a[NR]=$1} END {print a[1] "-" a[NR]}'; }

echo "burst of $segments segments, $rounds rounds (lag: s from the last switch until archived)"
: > "$work/lag.pgvault"; : > "$work/lag.pgbackrest"
for ((r = 1; r <= rounds; r++)); do
    if [ $((r % 2)) = 1 ]; then order="pgvault pgbackrest"; else order="pgbackrest pgvault"; fi
    for tool in $order; do
        s=$(burst "$tool")
        echo "$s" >> "$work/lag.$tool"
        echo "  round $r $tool: $s s"
    done
done
v=$(median < "$work/lag.pgvault"); b=$(median < "$work/lag.pgbackrest")
echo "burst lag median: pgvault $v s ($(range < "$work/lag.pgvault")), pgBackRest $b s ($(range < "$work/lag.pgbackrest")), ratio $(echo "scale=2; $v / $b" | bc)"

# 2. Calls for segments already pushed by the resident process: copies of real segments in a
# pg_wal of their own, marked ready, pushed ahead by each tool's async process; then each call timed.
use pgvault
mkdir -p "$work/fake/pg_wal/archive_status" "$work/fake/global"
cp "$work/data/global/pg_control" "$work/fake/global/" # pgBackRest reads the cluster's control file
[ -n "$as" ] && chown -R postgres "$work/fake"
psql -c "DO \$\$ BEGIN FOR i IN 1..12 LOOP
    INSERT INTO noise SELECT g, md5(random()::text) FROM generate_series(1, 40000) g; PERFORM pg_switch_wal(); END LOOP; END \$\$"
drain
ls "$work/repo-pgvault/bench/wal/"*/ | grep -E '^[0-9A-F]{24}$' | tail -10 > "$work/names"
i=0
while read -r n; do
    $as $pgvault archive-get "$n" "$work/fake/pg_wal/$n" || true
    i=$((i + 1))
done < "$work/names"
[ -n "$as" ] && chown -R postgres "$work/fake"
time_calls() { # TOOL CMD...: timed as the postgres user itself, as PostgreSQL runs archive_command
    local tool=$1; shift
    for n in $(cat "$work/names"); do
        touch "$work/fake/pg_wal/archive_status/$n.ready"
    done
    [ -n "$as" ] && chown -R postgres "$work/fake"
    # the first call starts the resident process; then give it time to push every ready one
    (cd "$work/fake" && $as "$@" "pg_wal/$(head -1 "$work/names")") >/dev/null 2>&1 || true
    sleep 3
    printf '%s ' "$@" > "$work/cmd.$tool"
    cat > "$work/time.sh" <<'TIMED'
#!/bin/bash
cmd=$(cat "$1"); names=$2; fake=$3; out=$4
cd "$fake"
for n in $(tail -n +2 "$names"); do
    a=$(date +%s%N)
    $cmd "pg_wal/$n" >/dev/null 2>>"$out.err" || { echo "call for $n failed: $(tail -1 "$out.err")" >&2; exit 1; }
    b=$(date +%s%N)
    echo $(( (b - a) / 100000 )) >> "$out"
    mv "archive_status/$n.ready" "archive_status/$n.done" 2>/dev/null || mv "pg_wal/archive_status/$n.ready" "pg_wal/archive_status/$n.done"
done
TIMED
    chmod 755 "$work/time.sh"
    : > "$work/calls.$tool"
    [ -n "$as" ] && chown postgres "$work/calls.$tool" "$work/time.sh" "$work/cmd.$tool"
    $as "$work/time.sh" "$work/cmd.$tool" "$work/names" "$work/fake" "$work/calls.$tool"
}
time_calls pgvault $work/dist/bin/pgvault --config "$work/pgvault.yaml" archive-push
rm -f "$work/fake/pg_wal/archive_status/"*
time_calls pgbackrest pgbackrest --config="$work/pgbackrest.conf" --stanza=bench --pg1-path="$work/fake" archive-push
pv=$(median < "$work/calls.pgvault"); pb=$(median < "$work/calls.pgbackrest")
echo "call for a segment already pushed (whole process as postgres, tenths of ms): pgvault median $pv ($(range < "$work/calls.pgvault")), pgBackRest $pb ($(range < "$work/calls.pgbackrest"))"
