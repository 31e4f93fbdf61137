#!/usr/bin/env bash
# Simulation (not a test): a month of nightly backups on one repository, then retention, as a
# new user would run it. Time is simulated: each night's backup and expire run with the clock
# shifted by that many days (-Dpgvault.clock-offset, internal); the WAL between nights is real.
#
#   bench/retention-month.sh [DAYS] [SCALE] [RETENTION]
#       defaults: 30 days, pgbench scale 5, "full: 7"; RETENTION is the body of the retention:
#       section, e.g. "window: 14d" or "full: 4\n  window: 7d"
#
# Phase 1: DAYS nights of `backup --no-expire` (the repository only grows), each after 5 s of
# pgbench; prints backups, WAL files and repository size per night. Then one `expire`: the size
# before and after. Phase 2: 7 more nights of plain `backup`, which expires after itself: the
# size stays bounded. Then verify, and a restore of the newest backup to the end of the archive.
# Needs a built pgvault (mvn -B -q package -DskipTests); runs as postgres when started as root.
set -euo pipefail

days=${1:-30}
scale=${2:-5}
retention=${3:-"full: 7"}
source "$(dirname "$0")/lib.sh"
need_pgvault
bench_workdir pgvault-month
mkdir -p "$work/repo"
bench_dist
pgvault="$work/dist/bin/pgvault --config $work/pgvault.yaml"

port=$((20000 + RANDOM % 20000))
$as "$pgbin/initdb" -D "$work/data" -U postgres -A trust --data-checksums --no-sync >/dev/null
cat >> "$work/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
archive_mode = on
archive_command = '$work/dist/bin/pgvault --config $work/pgvault.yaml archive-push %p'
archive_timeout = 60
CONF
printf 'stanza: month\npg:\n  data: %s\n  port: %s\nrepo:\n  path: %s\nprocess-max: 2\nretention:\n  %b\n' \
    "$work/data" "$port" "$work/repo" "$retention" > "$work/pgvault.yaml"
[ -n "$as" ] && chown -R postgres "$work"
$as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
$as $pgvault init >/dev/null
$as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -s "$scale" -q postgres >/dev/null 2>&1

night() { # DAY [backup options...]
    local day=$1; shift
    $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -c 2 -j 2 -T 5 postgres >/dev/null 2>&1
    PGVAULT_JAVA_OPTS="-Dpgvault.clock-offset=P${day}D" $as $pgvault backup "$@" > "$work/night.out"
}
report() { # LABEL
    local backups wal size
    backups=$($as $pgvault info --output json | grep -c '"id" :' || true)
    wal=$(find "$work/repo/month/wal" -type f -name '0*' ! -name '*.history' | wc -l)
    size=$(du -sm "$work/repo" | cut -f1)
    printf '%-22s %8s %10s %10s\n' "$1" "$backups" "$wal" "$size"
}

echo "retention: $(printf '%b' "$retention" | tr '\n' ' '); pgbench scale $scale, 5 s of pgbench -c 2 a night"
printf '%-22s %8s %10s %10s\n' "" "backups" "WAL files" "repo MiB"
for ((d = 0; d < days; d++)); do
    night "$d" --no-expire
    report "night $((d + 1)) (no expire)"
done
before=$(du -sm "$work/repo" | cut -f1)
PGVAULT_JAVA_OPTS="-Dpgvault.clock-offset=P$((days - 1))D" $as $pgvault expire | sed 's/^/  /'
report "after expire"
after=$(du -sm "$work/repo" | cut -f1)
for ((d = days; d < days + 7; d++)); do
    night "$d"
    report "night $((d + 1)) (backup+expire)"
done
$as $pgvault verify | tail -1
$as $pgvault restore --pgdata "$work/restored" >/dev/null
echo "after $days nights: ${before} MiB; after expire: ${after} MiB; after 7 more nights with expire: $(du -sm "$work/repo" | cut -f1) MiB"
