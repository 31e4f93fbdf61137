#!/usr/bin/env bash
# Benchmark (not a test): whole-process time of one archive-push call per 16 MiB WAL segment,
# pgvault against pgBackRest, on filesystem repositories, in the same run; then of one
# archive-get call per segment back, into a directory like pg_wal (GET_BESIDE other segment
# files in it, default 100), as restore_command writes RECOVERYXLOG.
#
#   bench/archive-push.sh [SEGMENTS]      (default 20; needs a built pgvault and pgbackrest)
#
# It makes a throwaway PostgreSQL 15 cluster, writes WAL full of random text (it compresses
# about 2x, like real tables, unlike pgbench's blank filler), copies SEGMENTS real segments out
# of pg_wal, then pushes each segment with pgvault and with pgBackRest, alternating which goes
# first, each into its own fresh repository, both with zstd level 3. Prints per-segment
# milliseconds, the medians and the ratio. Runs the tools as the postgres OS user when root.
set -euo pipefail

segments=${1:-20}
source "$(dirname "$0")/lib.sh"
need_pgbackrest
need_pgvault
bench_workdir pgvault-bench
bench_dist

port=$((20000 + RANDOM % 20000))
$as "$pgbin/initdb" -D "$work/data" -U postgres -A trust --no-sync >/dev/null
cat >> "$work/data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_keep_size = 4GB
max_wal_size = 4GB
CONF
$as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
psql() { $as "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtX "$@"; }

echo "writing WAL ..."
psql -c "CREATE TABLE noise (id bigint, body text)"
first=$(psql -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
while :; do
    psql -c "INSERT INTO noise SELECT g, repeat(md5(random()::text), 8) FROM generate_series(1, 40000) g"
    now=$(psql -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
    n=$(( 16#${now:16:8} - 16#${first:16:8} ))
    [ "$n" -gt "$segments" ] && break
done
mkdir -p "$work/wal"
ls "$work/data/pg_wal" | grep -E '^[0-9A-F]{24}$' | awk -v f="$first" '$0 > f' | head -n "$segments" |
    while read -r s; do cp "$work/data/pg_wal/$s" "$work/wal/"; done
[ -n "$as" ] && chown -R postgres "$work/wal"

mkdir -p "$work/repo-pgvault" "$work/repo-pgbackrest" "$work/spool"
cat > "$work/pgvault.yaml" <<YAML
stanza: bench
pg:
  data: $work/data
  port: $port
archive:
  spool: $work/spool   # where archive-push keeps its counters for pgvault metrics, as pgBackRest's spool-path
repo:
  path: $work/repo-pgvault
  compress: zstd
  compress-level: 3
YAML
cat > "$work/pgbackrest.conf" <<CONF
[global]
repo1-path=$work/repo-pgbackrest
compress-type=zst
compress-level=3
log-level-console=warn
log-level-file=off
lock-path=$work/spool
spool-path=$work/spool
[bench]
pg1-path=$work/data
pg1-port=$port
pg1-host-user=postgres
pg1-socket-path=$work
CONF
[ -n "$as" ] && chown -R postgres "$work"
$as "$work/dist/bin/pgvault" --config "$work/pgvault.yaml" init >/dev/null
$as pgbackrest --config="$work/pgbackrest.conf" --stanza=bench stanza-create >/dev/null

push_pgvault() { ms $as "$work/dist/bin/pgvault" --config "$work/pgvault.yaml" archive-push "$1"; }
push_pgbackrest() { ms $as pgbackrest --config="$work/pgbackrest.conf" --stanza=bench archive-push "$1"; }

# One warm-up push each (page cache, the class-data archive), into throwaway copies.
$as "$work/dist/bin/pgvault" --version >/dev/null

printf "%-26s %10s %12s\n" segment pgvault_ms pgbackrest_ms
i=0
: > "$work/a"; : > "$work/b"
for seg in "$work"/wal/*; do
    if [ $((i % 2)) = 0 ]; then a=$(push_pgvault "$seg"); b=$(push_pgbackrest "$seg")
    else b=$(push_pgbackrest "$seg"); a=$(push_pgvault "$seg"); fi
    echo "$a" >> "$work/a"; echo "$b" >> "$work/b"
    printf "%-26s %10s %12s\n" "$(basename "$seg")" "$a" "$b"
    i=$((i + 1))
done
median() { sort -n "$1" | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ma=$(median "$work/a"); mb=$(median "$work/b")
sa=$(du -sb "$work/repo-pgvault" | cut -f1); sb=$(du -sb "$work/repo-pgbackrest" | cut -f1)
echo
echo "segments: $i  median ms per segment: pgvault $ma, pgbackrest $mb"
echo "ratio pgvault/pgbackrest: $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", a/b}')"
echo "repository bytes: pgvault $sa, pgbackrest $sb"

# archive-get of each segment back, alternating which tool goes first; the file removed after each
mkdir -p "$work/pg_wal"
for k in $(seq 1 "${GET_BESIDE:-100}"); do : > "$work/pg_wal/$(printf '00000001%016X' $((k + 65536)))"; done
[ -n "$as" ] && chown -R postgres "$work/pg_wal"
dest=$work/pg_wal/RECOVERYXLOG
# each prints its milliseconds, or "failed" when it wrote nothing (a failure's time is no data point)
fetched() { if cmp -s "$dest" "$work/wal/$1"; then echo "$2"; else echo failed; fi; rm -f "$dest"; }
get_pgvault() { fetched "$1" "$(ms $as "$work/dist/bin/pgvault" --config "$work/pgvault.yaml" archive-get "$1" "$dest")"; }
get_pgbackrest() { fetched "$1" "$(ms $as pgbackrest --config="$work/pgbackrest.conf" --stanza=bench archive-get "$1" "$dest")"; }
echo
printf "%-26s %10s %12s\n" segment pgvault_get_ms pgbackrest_get_ms
i=0
: > "$work/ga"; : > "$work/gb"
for seg in "$work"/wal/*; do
    name=$(basename "$seg")
    if [ $((i % 2)) = 0 ]; then a=$(get_pgvault "$name"); b=$(get_pgbackrest "$name")
    else b=$(get_pgbackrest "$name"); a=$(get_pgvault "$name"); fi
    case "$a $b" in *failed*) echo "bench: archive-get of $name failed (pgvault: $a, pgbackrest: $b)" >&2; exit 1 ;; esac
    echo "$a" >> "$work/ga"; echo "$b" >> "$work/gb"
    printf "%-26s %10s %12s\n" "$name" "$a" "$b"
    i=$((i + 1))
done
ga=$(median "$work/ga"); gb=$(median "$work/gb")
echo
echo "segments: $i  median ms per archive-get: pgvault $ga, pgbackrest $gb"
echo "ratio pgvault/pgbackrest: $(awk -v a="$ga" -v b="$gb" 'BEGIN {printf "%.2f", a/b}')"
