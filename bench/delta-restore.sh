#!/usr/bin/env bash
# Benchmark (not a test): delta restore of a copy one backup behind, against a full restore of the
# same backup into an empty directory, for pgvault and pgBackRest 2.45 (process-max 2, zstd level 3),
# in the same run, alternating which goes first.
#
#   bench/delta-restore.sh [SCALE] [ROUNDS]     (defaults: scale 30, 5 rounds; median reported)
#   SECONDS_OF_CHANGE=30 RATE=50                 the change between the two backups: pgbench -c 2 -R RATE
#   B_TYPE=full                                  backup B's type, for both tools: full, or incr (on A)
#   TRUST=1                                      judge the copy's files by size and time: pgvault --trust-times,
#                                                pgBackRest --force (its timestamp/size delta); default: checksums
#   HISTORY=N                                    N older backups in both repositories before A (a full, then
#                                                incrementals, 2 s of pgbench -R RATE between), as retention keeps
#   COLD_MB=N                                    a table of about N MB of random text that nothing writes after
#                                                it is loaded (most of a real database is such history)
#   STARTED=1                                    the copy restored from A runs before its delta, as a standby to
#                                                reseed or a test copy does: recovered to A's end, promoted (archive
#                                                mode off), 3 s of its own pgbench -R RATE, stopped (all untimed)
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
btype=${B_TYPE:-full}
case $btype in full|incr) ;; *) echo "bench: B_TYPE must be full or incr, not '$btype'" >&2; exit 2 ;; esac
trust_pgvault=(); trust_pgbackrest=()
if [[ ${TRUST:-0} == 1 ]]; then trust_pgvault=(--trust-times); trust_pgbackrest=(--force); fi
source "$(dirname "$0")/lib.sh"
need_pgbackrest
need_pgvault
bench_workdir pgvault-bench
bench_pgbench_pair "$scale"

cold=${COLD_MB:-0}
if ((cold > 0)); then
    echo "loading a cold table of about $cold MB ..."
    # about 600 bytes a row on disk (two 256-character md5 runs of random text), frozen so that no
    # later scan sets hint bits in it
    psql -c "CREATE TABLE cold AS SELECT g AS id, repeat(md5(random()::text), 8) || repeat(md5(random()::text), 8) AS body
        FROM generate_series(1, $((cold * 1700))) g" -c "VACUUM (FREEZE) cold" -c "CHECKPOINT" >/dev/null
    echo "data directory: $(du -sm --exclude=pg_wal "$work/data" | cut -f1) MB without pg_wal"
fi
id_of() { grep -oE '[0-9]{8}-[0-9]{6}[FI]' | sed -n 1p; } # the first line: the new backup's id
history=${HISTORY:-0}
if ((history > 0)); then
    echo "taking $history older backups with each tool ..."
    for ((h = 0; h < history; h++)); do
        type=incr; ((h == 0)) && type=full
        $as $pgvault backup --type "$type" --no-expire >/dev/null
        $as $pgbackrest backup --type="$type" >/dev/null 2>&1
        $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -R "$rate" -T 2 postgres >/dev/null 2>&1
    done
fi
a_pgvault=$($as $pgvault backup --no-expire | id_of)
$as $pgbackrest backup --type=full >/dev/null
a_pgbackrest=$($as $pgbackrest info --output=json | grep -oE '"label":"[^"]+"' | tail -1 | cut -d'"' -f4)
echo "backup A: pgvault $a_pgvault, pgbackrest $a_pgbackrest; changing the cluster for ${change} s at -R $rate ..."
$as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -R "$rate" -T "$change" postgres >/dev/null 2>&1
push_first pgvault
b_pgvault=$($as $pgvault backup --type "$btype" --no-expire | id_of)
push_first pgbackrest
$as $pgbackrest backup --type="$btype" >/dev/null
b_pgbackrest=$($as $pgbackrest info --output=json | grep -oE '"label":"[^"]+"' | tail -1 | cut -d'"' -f4)
echo "backup B ($btype): pgvault $b_pgvault, pgbackrest $b_pgbackrest"

started=${STARTED:-0}
run_pgvault=(); run_pgbackrest=()
if [[ $started == 1 ]]; then
    run_pgvault=(--target-immediate --target-action promote --archive-mode off)
    run_pgbackrest=(--type=immediate --target-action=promote --archive-mode=off)
fi
cport=$((port + 1))
# STARTED=1: the copy runs once, as its own cluster beside the original, and is stopped
run_copy() {
    [[ $started == 1 ]] || return 0
    $as "$pgbin/pg_ctl" -D "$work/c" -l "$work/c.log" -w -o "-p $cport -c archive_mode=off" start >/dev/null
    until [ "$($as "$pgbin/psql" -h 127.0.0.1 -p "$cport" -U postgres -qAtX -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]
    do sleep 0.2; done
    $as "$pgbin/pgbench" -h 127.0.0.1 -p "$cport" -U postgres -n -c 2 -R "$rate" -T 3 postgres >/dev/null 2>&1
    $as "$pgbin/pg_ctl" -D "$work/c" -m fast -w stop >/dev/null
}
stale_pgvault() {
    rm -rf "$work/c"
    $as $pgvault restore --pgdata "$work/c" --backup "$a_pgvault" "${run_pgvault[@]}" >/dev/null
    run_copy
}
stale_pgbackrest() {
    fresh_dir "$work/c"
    $as $pgbackrest restore --pg1-path="$work/c" --set="$a_pgbackrest" "${run_pgbackrest[@]}" >/dev/null
    run_copy
}
delta_pgvault() { stale_pgvault; secs $as $pgvault restore --delta "${trust_pgvault[@]}" --pgdata "$work/c" --backup "$b_pgvault"; }
delta_pgbackrest() {
    stale_pgbackrest
    secs $as $pgbackrest restore --delta "${trust_pgbackrest[@]}" --pg1-path="$work/c" --set="$b_pgbackrest"
}
full_pgvault() { rm -rf "$work/r"; secs $as $pgvault restore --pgdata "$work/r" --backup "$b_pgvault"; }
full_pgbackrest() { fresh_dir "$work/r"; secs $as $pgbackrest restore --pg1-path="$work/r" --set="$b_pgbackrest"; }

tools=(pgvault pgbackrest)
declare -A d f
for ((i = 0; i < rounds; i++)); do
    order=("${tools[@]:i%2}" "${tools[@]:0:i%2}")
    for t in "${order[@]}"; do d[$t]+="$(delta_$t) "; f[$t]+="$(full_$t) "; done
    echo "round $((i + 1)): delta pgvault $(last "${d[pgvault]}") s, pgbackrest $(last "${d[pgbackrest]}") s;" \
        "full pgvault $(last "${f[pgvault]}") s, pgbackrest $(last "${f[pgbackrest]}") s"
done
# what pgvault's delta found, from one more (untimed) run: files kept, written, judged by times
stale_pgvault
echo "pgvault's delta line: $($as $pgvault restore --delta "${trust_pgvault[@]}" --pgdata "$work/c" --backup "$b_pgvault" \
    | grep -E '^delta: ' | tr '\n' ' ')"
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
