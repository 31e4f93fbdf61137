#!/usr/bin/env bash
# Benchmark (not a test): incremental backups after a quiet day's change, pgvault against
# pgBackRest 2.45 --type=incr (process-max 2, zstd level 3), in the same run, alternating which
# goes first: bytes stored in the repository and wall time, per round and as medians.
#
#   bench/incremental-backup.sh [SCALE] [ROUNDS]   (defaults: scale 30, 5 rounds)
#   SECONDS_OF_CHANGE=30 RATE=50                    each round's change: pgbench -c 2 -R RATE (RATE=0: unthrottled)
#   PREVACUUM=1                                     VACUUM (FREEZE, ANALYZE) after the load (bench/lib.sh; 0: leave it to autovacuum)
#
# Loads pgbench at SCALE with random filler (bench/lib.sh), takes a full backup with both tools,
# then each round changes the cluster and takes an incremental with each tool (each timed run
# after `sync`), each building on that tool's previous backup. Also prints the share of relation
# pages pgvault found changed. Needs a built pgvault and pgbackrest (apt-get install -y pgbackrest).
set -euo pipefail

scale=${1:-30}
rounds=${2:-5}
change=${SECONDS_OF_CHANGE:-30}
rate=${RATE:-50}
source "$(dirname "$0")/lib.sh"
need_pgbackrest
need_pgvault
bench_workdir pgvault-bench
bench_pgbench_pair "$scale"

$as $pgvault backup --no-expire >/dev/null
$as $pgbackrest backup --type=full >/dev/null
echo "full backups taken; $rounds rounds of ${change} s of pgbench -c 2 $([ "$rate" = 0 ] && echo unthrottled || echo "-R $rate")"

# Runs a backup after sync; prints its seconds. A failed run ends the benchmark.
timed() {
    local t0 t1
    sync
    t0=$(date +%s%N)
    "$@" >"$work/out" 2>"$work/err" || { echo "bench: failed: $* $(cat "$work/err")" >&2; return 1; }
    t1=$(date +%s%N)
    awk -v n=$((t1 - t0)) 'BEGIN {printf "%.2f", n / 1e9}'
}
incr_pgvault() {
    local s
    s=$(timed $as $pgvault --verbose backup --type incr --no-expire)
    stored=$($as $pgvault info --output json | grep -oE '"stored_bytes" : [0-9]+' | tail -1 | grep -oE '[0-9]+$')
    pages=$(grep -oE '[0-9]+ of [0-9]+ relation pages' "$work/err" | tail -1)
    echo "$s $stored"
}
incr_pgbackrest() {
    local s
    s=$(timed $as $pgbackrest backup --type=incr)
    stored=$($as $pgbackrest info --output=json | grep -oE '"repository":\{"delta":[0-9]+' | tail -1 | grep -oE '[0-9]+$')
    echo "$s $stored"
}

tools=(pgvault pgbackrest)
declare -A secs bytes
pagelines=""
for ((i = 0; i < rounds; i++)); do
    if [ "$rate" = 0 ]; then
        $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -T "$change" postgres >/dev/null 2>&1
    else
        $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -R "$rate" -T "$change" postgres >/dev/null 2>&1
    fi
    order=("${tools[@]:i%2}" "${tools[@]:0:i%2}")
    for t in "${order[@]}"; do
        push_first "$t"
        read -r s b < <(incr_$t)
        secs[$t]+="$s "
        bytes[$t]+="$b "
        if [ "$t" = pgvault ]; then
            lastpages=$(grep -oE '[0-9]+ of [0-9]+ relation pages' "$work/err" | tail -1)
            pagelines+="$lastpages; "
        fi
    done
    echo "round $((i + 1)): pgvault $(last "${secs[pgvault]}") s, $(last "${bytes[pgvault]}") B;" \
        "pgbackrest $(last "${secs[pgbackrest]}") s, $(last "${bytes[pgbackrest]}") B; pgvault found $lastpages changed"
done
echo
printf "%-12s %10s %12s %14s %24s\n" tool secs range stored_bytes range
for t in "${tools[@]}"; do
    printf "%-12s %10s %12s %14s %24s\n" "$t" "$(echo "${secs[$t]}" | median)" "$(echo "${secs[$t]}" | range)" \
        "$(echo "${bytes[$t]}" | median)" "$(echo "${bytes[$t]}" | range)"
done
echo
echo "pgvault changed pages per round: $pagelines"
sp=$(echo "${secs[pgvault]}" | median); sb=$(echo "${secs[pgbackrest]}" | median)
bp=$(echo "${bytes[pgvault]}" | median); bb=$(echo "${bytes[pgbackrest]}" | median)
echo "pgvault / pgbackrest incremental backup time: $(awk -v a="$sp" -v b="$sb" 'BEGIN {printf "%.2f", a/b}')"
echo "pgvault / pgbackrest bytes stored: $(awk -v a="$bp" -v b="$bb" 'BEGIN {printf "%.3f", a/b}')"
