#!/usr/bin/env bash
# Benchmark (not a test): what streaming WAL costs the primary, and whether the receiver keeps
# up, pgvault wal-receive against pg_receivewal (what Barman runs) in the same run.
#
#   bench/wal-receive.sh [ROUNDS] [CLIENTS...]     (default 5 rounds, 2 and 8 pgbench clients)
#
# CLIENTS 0 measures an idle primary: the warm-up runs 2 clients, then (at most 30 s) until the
# receiver has reported all WAL flushed, the measured 15 s no client; only the receiver's CPU
# means anything (what a receiver costs on a quiet database).
#
# One PostgreSQL 15 cluster, pgbench scale 10. Each round runs, in an order rotated every round,
# 15 s of pgbench -c CLIENTS at full speed:
#   none          no receiver
#   pgvault       wal-receive into a fresh filesystem repository (zstd 3), asynchronous
#   receivewal    pg_receivewal into a fresh directory
#   pgvault-sync  wal-receive --synchronous, named in synchronous_standby_names
#   receivewal-sync  pg_receivewal --synchronous, named in synchronous_standby_names
#   pgvault-base, pgvault-base-sync  the same, run by another build: BASE_DIST=DIR (a copy of
#                 bin/ and cli/target/pgvault/lib/ as bench_dist makes, readable by postgres), to
#                 compare two builds in one run; only when named in MODES
# A receiver runs for days, so each mode first gets WARMUP seconds (default 15; 0 skips it) of
# the same pgbench with its receiver already streaming: the JVM's start-up and JIT compilation
# (some 1.5 s of CPU) fall there. Then `sync`, a CHECKPOINT, and the measured 15 s. While pgbench
# runs, the replication lag (WAL written minus WAL the receiver reported flushed, for pgvault:
# durable in the repository) is sampled every 0.2 s. pg_receivewal without --synchronous reports
# no flush position: its lag is to what it wrote. Prints per run TPS, average latency, the
# largest lag in MiB and the CPU seconds the receiver's processes used in the measured 15 s (and,
# in brackets, since they started); then per mode the medians and ranges, and TPS as a ratio of
# none's.
set -euo pipefail

rounds=${1:-5}
warmup=${WARMUP:-15}
shift || true
if [ "$#" -gt 0 ]; then clients=("$@"); else clients=(2 8); fi
source "$(dirname "$0")/lib.sh"
need_pgvault
bench_workdir pgvault-bench-stream
bench_dist
pgvault="$work/dist/bin/pgvault --config $work/pgvault.yaml"

port=$((20000 + RANDOM % 20000))
bench_cluster "max_wal_senders = 5"
bench_pgvault_yaml "$work/repo"
[ -n "$as" ] && chown -R postgres "$work"
$as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
psql() { $as "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtX "$@"; }
$as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s 10 postgres >/dev/null 2>&1
psql -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT"

receiver_pid=""
bench_cleanup() { [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null; wait 2>/dev/null; true; }

# start_receiver MODE: the receiver of MODE in the background, streaming before it returns; sets
# name (its application_name) and receiver_pid.
start_receiver() {
    name=none
    case $1 in
        none) return 0 ;;
        pgvault*) name=pgvault
            rm -rf "$work/repo"; mkdir -p "$work/repo"; [ -n "$as" ] && chown postgres "$work/repo"
            local bin=$pgvault
            if [[ $1 == pgvault-base* ]]; then
                [ -x "${BASE_DIST:-}/bin/pgvault" ] || { echo "bench: mode $1 needs BASE_DIST, a built pgvault" >&2; exit 1; }
                bin="$BASE_DIST/bin/pgvault --config $work/pgvault.yaml"
            fi
            $as $bin init >/dev/null
            if [[ $1 == *-sync ]]; then
                $as $bin wal-receive --synchronous >"$work/receiver.log" 2>&1 &
            else
                $as $bin wal-receive >"$work/receiver.log" 2>&1 &
            fi ;;
        receivewal*) name=pg_receivewal
            rm -rf "$work/recv"; mkdir -p "$work/recv"; [ -n "$as" ] && chown postgres "$work/recv"
            local sync=""
            [ "$1" = receivewal-sync ] && sync=--synchronous
            $as "$pgbin/pg_receivewal" -h 127.0.0.1 -p "$port" -U postgres -D "$work/recv" -n $sync \
                >"$work/receiver.log" 2>&1 & ;;
    esac
    receiver_pid=$!
    case $1 in
        *-sync) await_receiver "$name" sync ;;
        *) await_receiver "$name" ;;
    esac
}

# tree_cpu PID: CPU seconds (user + system) used so far by PID and its descendants.
tree_cpu() {
    local pids=("$1") all=() p ticks=0
    while [ ${#pids[@]} -gt 0 ]; do
        p=${pids[0]}; pids=("${pids[@]:1}"); all+=("$p")
        for c in $(pgrep -P "$p" 2>/dev/null); do pids+=("$c"); done
    done
    for p in "${all[@]}"; do
        # fields 14 and 15 of /proc/PID/stat, counted after the command name's closing parenthesis
        ticks=$((ticks + $(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0)))
    done
    awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

stop_receiver() {
    psql -c "ALTER SYSTEM RESET synchronous_standby_names" -c "SELECT pg_reload_conf()" >/dev/null
    cpu=0
    if [ -n "$receiver_pid" ]; then
        cpu=$(tree_cpu "$receiver_pid")
        # $as runs the receiver under runuser: signal its children too.
        pkill -TERM -P "$receiver_pid" 2>/dev/null || true
        kill "$receiver_pid" 2>/dev/null || true
        wait "$receiver_pid" 2>/dev/null || true
        receiver_pid=""
    fi
}

# sample_lag NAME FILE: the largest lag in bytes, sampled until FILE.stop appears.
sample_lag() {
    local max=0 v
    while [ ! -f "$2.stop" ]; do
        v=$(psql -c "SELECT coalesce(max(pg_current_wal_lsn() - coalesce(flush_lsn, write_lsn)), 0)::bigint FROM pg_stat_replication WHERE application_name = '$1'" 2>/dev/null || echo 0)
        [ "${v:-0}" -gt "$max" ] && max=$v
        sleep 0.2
    done
    echo "$max" > "$2"
}

# MODES="none pgvault-sync" runs only those.
read -r -a modes <<< "${MODES:-none pgvault receivewal pgvault-sync receivewal-sync}"
declare -A tps lat lag cpus
for c in "${clients[@]}"; do
    for ((r = 0; r < rounds; r++)); do
        for ((k = 0; k < ${#modes[@]}; k++)); do
            mode=${modes[$(( (k + r) % ${#modes[@]} ))]}
            psql -c "CHECKPOINT" >/dev/null
            sync
            start_receiver "$mode"
            if [ "$warmup" -gt 0 ]; then
                $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -T "$warmup" \
                    -c "$(( c > 0 ? c : 2 ))" -j 2 postgres >/dev/null 2>&1
                psql -c "CHECKPOINT" >/dev/null
                sync
            fi
            # Idle: measured once the receiver has caught up, not while it still stores the warm-up's WAL.
            caught=""
            if [ "$c" -eq 0 ] && [ "$name" != none ]; then
                t0=$(date +%s%N)
                for _ in $(seq 150); do
                    [ "$(psql -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$name' AND coalesce(flush_lsn, write_lsn) >= pg_current_wal_lsn()")" = 1 ] && break
                    sleep 0.2
                done
                caught=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "  caught up in %.1f s", (b - a) / 1e9 }')
            fi
            cpu0=0
            [ -n "$receiver_pid" ] && cpu0=$(tree_cpu "$receiver_pid")
            rm -f "$work/lag" "$work/lag.stop"
            sample_lag "$name" "$work/lag" &
            sampler=$!
            if [ "$c" -gt 0 ]; then
                out=$($as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -T 15 -c "$c" -j 2 postgres 2>&1)
            else
                sleep 15; out=$'tps = 0 (without\nlatency average = 0 ms'
            fi
            touch "$work/lag.stop"
            wait "$sampler"
            stop_receiver
            total=$cpu
            cpu=$(awk -v a="$cpu" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
            t=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) (without.*/\1/p')
            l=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
            g=$(awk -v b="$(cat "$work/lag")" 'BEGIN { printf "%.1f", b / 1048576 }')
            printf 'clients %s round %s %-16s tps %8.1f  latency %6.2f ms  max lag %6s MiB  receiver CPU %5s s (%s s)%s\n' \
                "$c" "$((r + 1))" "$mode" "$t" "$l" "$g" "$cpu" "$total" "$caught"
            tps[$c,$mode]+="$t "; lat[$c,$mode]+="$l "; lag[$c,$mode]+="$g "; cpus[$c,$mode]+="$cpu "
        done
    done
done

echo
echo "medians of $rounds alternating runs (ranges), 15 s of pgbench each after $warmup s of warm-up, scale 10"
for c in "${clients[@]}"; do
    base=$(echo "${tps[$c,none]:-0}" | median)
    for mode in "${modes[@]}"; do
        m=$(echo "${tps[$c,$mode]}" | median)
        printf 'clients %s %-16s tps %8.1f (%s)  x%.3f of none  latency %s ms (%s)  max lag %s MiB (%s)  receiver CPU %s s (%s)\n' \
            "$c" "$mode" "$m" "$(echo "${tps[$c,$mode]}" | range)" "$(awk -v a="$m" -v b="$base" 'BEGIN { print (b > 0 ? a / b : 0) }')" \
            "$(echo "${lat[$c,$mode]}" | median)" "$(echo "${lat[$c,$mode]}" | range)" \
            "$(echo "${lag[$c,$mode]}" | median)" "$(echo "${lag[$c,$mode]}" | range)" \
            "$(echo "${cpus[$c,$mode]}" | median)" "$(echo "${cpus[$c,$mode]}" | range)"
    done
done
