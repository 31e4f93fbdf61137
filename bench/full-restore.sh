#!/usr/bin/env bash
# Benchmark (not a test): full restore into an empty directory, pgvault against pgBackRest 2.45
# (process-max 2, zstd level 3), of one full backup each of the same cluster, alternating which
# tool goes first, each run after `sync`.
#
#   bench/full-restore.sh [SCALE] [ROUNDS]     (defaults: scale 30, 9 rounds; median and range reported)
#   PAUSE=10                                    seconds to wait after removing the last restore's copy
#
# pgBackRest's restore here took either about 1 s or about 2 s at scale 30 (1.4 or 2.0-3.0 s at
# 50), the slow runs mostly right after pgvault's copy was removed; with PAUSE=10 it took about
# 2 s every time at scale 30 (see bench/README.md). PAUSE tells whether a ratio rests on that split.
#
# Loads pgbench at SCALE with random filler (bench/lib.sh), takes one full backup with each tool,
# stops the cluster (no archiving or autovacuum competes with the clock), then restores each
# backup ROUNDS times. bench/backup-restore.sh times restores too, between backups; this one
# takes more restore runs in less time, for the restore's ratio alone.
# Needs a built pgvault (mvn -B -q package -DskipTests) and pgbackrest (apt-get install -y pgbackrest).
set -euo pipefail

scale=${1:-30}
rounds=${2:-9}
source "$(dirname "$0")/lib.sh"
need_pgbackrest
need_pgvault
bench_workdir pgvault-bench
bench_pgbench_pair "$scale"

push_first pgvault
$as $pgvault backup --no-expire >/dev/null
push_first pgbackrest
$as $pgbackrest backup --type=full >/dev/null
$as "$pgbin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null
echo "one full backup each; restoring them $rounds times"

pause=${PAUSE:-0}
restore_pgvault() { rm -rf "$work/r"; sleep "$pause"; secs $as $pgvault restore --pgdata "$work/r"; }
restore_pgbackrest() { fresh_dir "$work/r"; sleep "$pause"; secs $as $pgbackrest restore --pg1-path="$work/r"; }

tools=(pgvault pgbackrest)
declare -A r
for ((i = 0; i < rounds; i++)); do
    order=("${tools[@]:i%2}" "${tools[@]:0:i%2}")
    for t in "${order[@]}"; do r[$t]+="$(restore_$t) "; done
    echo "round $((i + 1)): pgvault $(last "${r[pgvault]}") s, pgbackrest $(last "${r[pgbackrest]}") s"
done
echo
printf "%-12s %10s %12s\n" tool restore_s range
for t in "${tools[@]}"; do
    printf "%-12s %10s %12s\n" "$t" "$(echo "${r[$t]}" | median)" "$(echo "${r[$t]}" | range)"
done
rp=$(echo "${r[pgvault]}" | median); rb=$(echo "${r[pgbackrest]}" | median)
echo
echo "pgvault / pgbackrest full restore: $(awk -v a="$rp" -v b="$rb" 'BEGIN {printf "%.2f", a/b}')"
