#!/usr/bin/env bash
# Benchmark (not a test): full backup and restore wall times of pgvault against pgBackRest 2.45
# (process-max 2, zstd level 3) and pg_basebackup, on the same cluster, in the same run.
#
#   bench/backup-restore.sh [SCALE] [ROUNDS]     (defaults: scale 30, 3 rounds; median reported)
#
# Loads pgbench data at SCALE, then rewrites pgbench_accounts.filler with random hex: pgbench's
# blank filler compresses ~20x and flatters every tool; random hex compresses ~2.7x, like real
# tables. Each round runs the tools in a different order. Needs a built pgvault
# (mvn -B -q package -DskipTests) and pgbackrest (apt-get install -y pgbackrest). Runs the
# tools as the postgres OS user when started as root.
set -euo pipefail

scale=${1:-30}
rounds=${2:-3}
source "$(dirname "$0")/lib.sh"
need_pgbackrest
need_pgvault
bench_workdir pgvault-bench
bench_pgbench_pair "$scale"

backup_pgvault() { push_first pgvault; secs $as $pgvault backup; }
backup_pgbackrest() { push_first pgbackrest; secs $as $pgbackrest backup --type=full; }
backup_basebackup() { rm -rf "$work/bb"; secs $as "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$work/bb" -Ft -X none -c fast; }
restore_pgvault() { rm -rf "$work/r"; secs $as $pgvault restore --pgdata "$work/r"; }
restore_pgbackrest() { rm -rf "$work/r"; mkdir -p "$work/r"; chmod 700 "$work/r"; [ -n "$as" ] && chown postgres "$work/r"; secs $as $pgbackrest restore --pg1-path="$work/r"; }
restore_basebackup() { rm -rf "$work/r"; mkdir -p "$work/r"; secs tar -xf "$work/bb/base.tar" -C "$work/r"; }

tools=(pgvault pgbackrest basebackup)
declare -A b r
for ((i = 0; i < rounds; i++)); do
    order=("${tools[@]:i%3}" "${tools[@]:0:i%3}")
    for t in "${order[@]}"; do b[$t]+="$(backup_$t) "; done
    for t in "${order[@]}"; do r[$t]+="$(restore_$t) "; done
    echo "round $((i + 1)): backup pgvault $(last "${b[pgvault]}") s, pgbackrest $(last "${b[pgbackrest]}") s;" \
        "restore pgvault $(last "${r[pgvault]}") s, pgbackrest $(last "${r[pgbackrest]}") s"
done
echo
printf "%-12s %10s %10s   %s\n" tool backup_s restore_s "all backup / restore runs"
for t in "${tools[@]}"; do
    printf "%-12s %10s %10s   %s/ %s\n" "$t" "$(echo "${b[$t]}" | median)" "$(echo "${r[$t]}" | median)" "${b[$t]}" "${r[$t]}"
done
bp=$(echo "${b[pgvault]}" | median); bb=$(echo "${b[pgbackrest]}" | median)
rp=$(echo "${r[pgvault]}" | median); rb=$(echo "${r[pgbackrest]}" | median)
echo
echo "ratio pgvault/pgbackrest: backup $(awk -v a="$bp" -v b="$bb" 'BEGIN {printf "%.2f", a/b}'), restore $(awk -v a="$rp" -v b="$rb" 'BEGIN {printf "%.2f", a/b}')"
echo "repository bytes after $rounds backups: pgvault $(du -sb "$work/repo-pgvault" | cut -f1), pgbackrest $(du -sb "$work/repo-pgbackrest" | cut -f1)"
echo "(pg_basebackup restore = untar of its uncompressed tar)"
