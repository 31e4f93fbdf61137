#!/usr/bin/env bash
# Benchmark (not a test): delta restore of a copy one backup behind, against a full restore of the
# same backup into an empty directory, for pgvault and pgBackRest 2.45 (process-max 2, zstd level 3),
# in the same run, alternating which goes first.
#
#   bench/delta-restore.sh [SCALE] [ROUNDS]     (defaults: scale 30, 5 rounds; median reported)
#   SECONDS_OF_CHANGE=30 RATE=50                 the change between the two backups: pgbench -c 2 -R RATE
#
# Loads pgbench data at SCALE with random filler (as bench/backup-restore.sh), takes backup A with
# both tools, changes the cluster (a quiet day: pgbench -c 2 -R 50 for 30 s), then takes backup B.
# Each round, for each tool: a copy restored from A (untimed) is brought to B with `restore --delta`
# (timed), and B is restored into an empty directory (timed). Each timed run starts after `sync`.
# Needs a built pgvault (mvn -B -q package -DskipTests) and pgbackrest (apt-get install -y pgbackrest).
set -euo pipefail

scale=${1:-30}
rounds=${2:-5}
change=${SECONDS_OF_CHANGE:-30}
rate=${RATE:-50}
source "$(dirname "$0")/lib.sh"
need_pgbackrest
need_pgvault
bench_workdir pgvault-bench
mkdir -p "$work/spool"
bench_dist
pgvault="$work/dist/bin/pgvault --config $work/pgvault.yaml"
pgbackrest="pgbackrest --config=$work/pgbackrest.conf --stanza=bench"

port=$((20000 + RANDOM % 20000))
$as "$pgbin/initdb" -D "$work/data" -U postgres -A trust --data-checksums --no-sync >/dev/null
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
YAML
cat > "$work/pgbackrest.conf" <<CONF
[global]
repo1-path=$work/repo-pgbackrest
compress-type=zst
compress-level=3
process-max=2
start-fast=y
log-level-console=warn
log-level-file=off
lock-path=$work/spool
spool-path=$work/spool
[bench]
pg1-path=$work/data
pg1-port=$port
pg1-socket-path=$work
CONF
mkdir -p "$work/repo-pgvault" "$work/repo-pgbackrest"
[ -n "$as" ] && chown -R postgres "$work"
$as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
psql() { $as "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtX "$@"; }

echo "loading pgbench scale $scale with random filler ..."
$as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$scale" postgres >/dev/null 2>&1
psql -c "UPDATE pgbench_accounts SET filler = substr(md5(random()::text) || md5(random()::text) || md5(random()::text), 1, 84)"
psql -c "VACUUM FULL pgbench_accounts" -c "CHECKPOINT"
echo "data directory: $(du -sm --exclude=pg_wal "$work/data" | cut -f1) MB without pg_wal"
$as $pgvault init >/dev/null
$as $pgbackrest stanza-create >/dev/null
# The load's WAL was not archived (no backup needs it, and pushing it would take minutes); from
# here on both tools archive, and the first round starts once the archiver has caught up.
echo "archive_command = '$pgvault archive-push %p && $pgbackrest archive-push %p'" >> "$work/data/postgresql.conf"
$as "$pgbin/pg_ctl" -D "$work/data" reload >/dev/null
switched=$(psql -c "SELECT pg_walfile_name(pg_switch_wal())")
until [ "$(psql -c "SELECT coalesce(last_archived_wal >= '$switched', false) FROM pg_stat_archiver")" = t ]; do sleep 0.2; done

# A failed run ends the benchmark: its time would be a fake data point.
secs() {
    local t0 t1
    sync
    t0=$(date +%s%N)
    "$@" >/dev/null || { echo "bench: failed: $*" >&2; return 1; }
    t1=$(date +%s%N)
    awk -v n=$((t1 - t0)) 'BEGIN {printf "%.2f", n / 1e9}'
}
id_of() { grep -oE '[0-9]{8}-[0-9]{6}F' | tail -1; }
a_pgvault=$($as $pgvault backup | id_of)
$as $pgbackrest backup --type=full >/dev/null
a_pgbackrest=$($as $pgbackrest info --output=json | grep -oE '"label":"[^"]+"' | tail -1 | cut -d'"' -f4)
echo "backup A: pgvault $a_pgvault, pgbackrest $a_pgbackrest; changing the cluster for ${change} s at -R $rate ..."
$as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -R "$rate" -T "$change" postgres >/dev/null 2>&1
b_pgvault=$($as $pgvault backup | id_of)
$as $pgbackrest backup --type=full >/dev/null
b_pgbackrest=$($as $pgbackrest info --output=json | grep -oE '"label":"[^"]+"' | tail -1 | cut -d'"' -f4)
echo "backup B: pgvault $b_pgvault, pgbackrest $b_pgbackrest"

fresh_dir() { rm -rf "$1"; mkdir -p "$1"; chmod 700 "$1"; [ -n "$as" ] && chown postgres "$1"; }
stale_pgvault() { rm -rf "$work/c"; $as $pgvault restore --pgdata "$work/c" --backup "$a_pgvault" >/dev/null; }
stale_pgbackrest() { fresh_dir "$work/c"; $as $pgbackrest restore --pg1-path="$work/c" --set="$a_pgbackrest" >/dev/null; }
delta_pgvault() { stale_pgvault; secs $as $pgvault restore --delta --pgdata "$work/c" --backup "$b_pgvault"; }
delta_pgbackrest() { stale_pgbackrest; secs $as $pgbackrest restore --delta --pg1-path="$work/c" --set="$b_pgbackrest"; }
full_pgvault() { rm -rf "$work/r"; secs $as $pgvault restore --pgdata "$work/r" --backup "$b_pgvault"; }
full_pgbackrest() { fresh_dir "$work/r"; secs $as $pgbackrest restore --pg1-path="$work/r" --set="$b_pgbackrest"; }

tools=(pgvault pgbackrest)
declare -A d f
for ((i = 0; i < rounds; i++)); do
    order=("${tools[@]:i%2}" "${tools[@]:0:i%2}")
    for t in "${order[@]}"; do d[$t]+="$(delta_$t) "; f[$t]+="$(full_$t) "; done
    echo "round $((i + 1)): delta pgvault ${d[pgvault]##* } s, pgbackrest ${d[pgbackrest]##* } s"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
range() { tr ' ' '\n' | grep . | sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {print lo "-" hi}'; }
echo
printf "%-12s %10s %12s %10s %12s\n" tool delta_s range full_s range
for t in "${tools[@]}"; do
    printf "%-12s %10s %12s %10s %12s\n" "$t" "$(echo "${d[$t]}" | median)" "$(echo "${d[$t]}" | range)" \
        "$(echo "${f[$t]}" | median)" "$(echo "${f[$t]}" | range)"
done
dp=$(echo "${d[pgvault]}" | median); fp=$(echo "${f[pgvault]}" | median); db=$(echo "${d[pgbackrest]}" | median)
fb=$(echo "${f[pgbackrest]}" | median)
echo
echo "pgvault delta / pgvault full restore: $(awk -v a="$dp" -v b="$fp" 'BEGIN {printf "%.2f", a/b}')"
echo "pgvault delta / pgbackrest delta: $(awk -v a="$dp" -v b="$db" 'BEGIN {printf "%.2f", a/b}')"
echo "pgvault full / pgbackrest full: $(awk -v a="$fp" -v b="$fb" 'BEGIN {printf "%.2f", a/b}')"
