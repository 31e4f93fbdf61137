#!/usr/bin/env bash
# Benchmark (not a test): time until a new standby streams, built by `pgvault replica create --start`
# from the repository against `pg_basebackup -R` of the live primary plus `pg_ctl start`, in the
# same run, alternating which goes first, while pgbench keeps writing on the primary.
#
#   bench/replica.sh [SCALE] [ROUNDS]     (defaults: scale 30, 3 rounds; median reported)
#   RATE=200 bench/replica.sh             pgbench's rate on the primary during the runs (tps, 2 clients)
#   ASYNC=1 bench/replica.sh              with archive.async: the standby's restore_command calls are
#                                         answered from the spool, fetched ahead by the resident archiver
#
# Loads pgbench data at SCALE and rewrites pgbench_accounts.filler with random hex (as
# bench/backup-restore.sh does: the blank filler compresses ~20x and flatters everything), takes
# one pgvault backup, then starts pgbench. Each timing runs from the command's start until the
# primary's pg_stat_replication shows the standby as `streaming`. The pgvault standby replays
# all WAL archived since that one backup (one `archive-get` call per segment), which grows from
# round to round; each round prints how much. Needs a built pgvault
# (mvn -B -q package -DskipTests). Runs the tools as the postgres OS user when started as root.
set -euo pipefail

scale=${1:-30}
rounds=${2:-3}
rate=${RATE:-200}
source "$(dirname "$0")/lib.sh"
need_pgvault
load_pid=
bench_cleanup() { [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null; }
bench_workdir pgvault-bench
mkdir -p "$work/repo"
bench_dist
pgvault="$work/dist/bin/pgvault --config $work/pgvault.yaml"

port=$((20000 + RANDOM % 20000))
sport=$((port + 1))
$as "$pgbin/initdb" -D "$work/data" -U postgres -A trust --data-checksums --no-sync >/dev/null
cat >> "$work/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
archive_mode = on
archive_command = '$pgvault archive-push %p'
max_wal_size = 4GB
max_wal_senders = 10
CONF
bench_pgvault_yaml "$work/repo"
echo "process-max: 2" >> "$work/pgvault.yaml"
if [ -n "${ASYNC:-}" ]; then
    mkdir -p "$work/spool"
    printf 'archive:\n  async: true\n  spool: %s\n' "$work/spool" >> "$work/pgvault.yaml"
fi
[ -n "$as" ] && chown -R postgres "$work"
$as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
psql() { $as "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtX "$@"; }

echo "loading pgbench scale $scale with random filler ..."
$as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$scale" postgres >/dev/null 2>&1
psql -c "UPDATE pgbench_accounts SET filler = substr(md5(random()::text) || md5(random()::text) || md5(random()::text), 1, 84)"
# VACUUM FULL, then a freezing VACUUM: else autovacuum sets hint bits and visibility on every
# page after the backup, and with data checksums each first touch is a full-page image: some
# 400 MB of WAL that a steady-state primary would not write.
psql -c "VACUUM FULL pgbench_accounts" -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT"
echo "data directory: $(du -sm --exclude=pg_wal "$work/data" | cut -f1) MB without pg_wal"
$as $pgvault init >/dev/null
$as $pgvault backup | tail -1
backup_lsn=$(psql -c "SELECT pg_current_wal_lsn()")

$as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -R "$rate" -T 36000 postgres >/dev/null 2>&1 &
load_pid=$!
sleep 5

now() { date +%s%N; }
# Waits until the primary shows application_name $1 streaming; prints seconds since $2 (ns).
wait_streaming() {
    local deadline=$(( $(date +%s) + 900 ))
    until [ "$(psql -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$1' AND state = 'streaming'")" = 1 ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: $1 never streamed" >&2; tail -20 "$work/standby.log" "$work/standby/log/pgvault-start.log" 2>/dev/null >&2; exit 1; }
        sleep 0.1
    done
    awk -v n=$(( $(now) - $2 )) 'BEGIN {printf "%.2f", n / 1e9}'
}
stop_standby() {
    $as "$pgbin/pg_ctl" -D "$work/standby" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$work/standby" "$work/standby.log"
}
run_pgvault() {
    local t0; t0=$(now)
    $as $pgvault replica create --pgdata "$work/standby" --port "$sport" --start \
        --primary-conninfo "host=127.0.0.1 port=$port user=postgres application_name=bench_pgvault" | head -1 >"$work/restored"
    wait_streaming bench_pgvault "$t0"
    stop_standby
}
run_basebackup() {
    local t0; t0=$(now)
    $as "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$work/standby" -R -X stream -c fast
    $as "$pgbin/pg_ctl" -D "$work/standby" -o "-p $sport -c cluster_name=bench_basebackup" -l "$work/standby.log" -w start >/dev/null
    wait_streaming bench_basebackup "$t0"
    stop_standby
}

tools=(pgvault basebackup)
declare -A t
for ((i = 0; i < rounds; i++)); do
    if ((i % 2 == 0)); then order=(pgvault basebackup); else order=(basebackup pgvault); fi
    line="round $((i + 1)):"
    for tool in "${order[@]}"; do
        s=$(run_$tool); t[$tool]+="$s "; line+=" $tool $s s"
        [ $tool = pgvault ] && line+=" (restore $(sed 's/.* in \([0-9.]*\) s$/\1/' "$work/restored") s)"
    done
    echo "$line (primary's WAL since the backup: $(psql -c "SELECT round(pg_wal_lsn_diff(pg_current_wal_lsn(), '$backup_lsn') / 1048576)") MB)"
done
echo
printf "%-12s %14s   %s\n" tool streaming_s "all runs"
for tool in "${tools[@]}"; do
    printf "%-12s %14s   %s\n" "$tool" "$(echo "${t[$tool]}" | median)" "${t[$tool]}"
done
tp=$(echo "${t[pgvault]}" | median); tb=$(echo "${t[basebackup]}" | median)
echo
echo "ratio pgvault${ASYNC:+ (async)}/pg_basebackup: $(awk -v a="$tp" -v b="$tb" 'BEGIN {printf "%.2f", a/b}') (time to a streaming standby; pgbench -R $rate on the primary throughout)"
