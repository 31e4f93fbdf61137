#!/usr/bin/env bash
# Benchmark (not a test): the recovery point after a primary's host is lost, with WAL archived
# only by archive_command, streamed asynchronously by wal-receive, and streamed synchronously.
#
#   bench/wal-receive-rpo.sh [ROUNDS] [LOADS...]     (default 5 rounds, loads quiet and busy)
#
# Each run: a fresh PostgreSQL 15 cluster archiving with pgvault archive-push into a fresh
# filesystem repository (zstd 3), a full backup, then for 10 s and a random part of a second
# (out of step with the receiver's stores) a writer that commits one row
# every 20 ms (pgbench -c 1 running \sleep 20 ms; INSERT, logging each acknowledged commit);
# with load "busy" also pgbench -c 2 at full speed beside it. Then the postmaster is killed -9,
# the data directory deleted, and `pgvault restore` from the repository alone is started and
# promoted. Modes, in an order rotated every round:
#   archive   archive_command only (archive_timeout 60 s, what many run today)
#   async     the same plus wal-receive
#   sync      the same plus wal-receive --synchronous, named in synchronous_standby_names
# Prints per run the acknowledged rows missing from the restored server and how long before the
# kill the oldest missing one was acknowledged; then per load and mode the medians and ranges.
set -euo pipefail

rounds=${1:-5}
shift || true
if [ "$#" -gt 0 ]; then loads=("$@"); else loads=(quiet busy); fi
source "$(dirname "$0")/lib.sh"
need_pgvault
bench_workdir pgvault-bench-rpo
bench_dist
pgvault="$work/dist/bin/pgvault --config $work/pgvault.yaml"
port=$((20000 + RANDOM % 20000))
psql() { $as "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtX "$@"; }

receiver_pid=""
writers=""
bench_cleanup() {
    [ -n "$receiver_pid" ] && { pkill -KILL -P "$receiver_pid" 2>/dev/null; kill -KILL "$receiver_pid" 2>/dev/null; }
    [ -n "$writers" ] && kill $writers 2>/dev/null
    wait 2>/dev/null
    true
}

# primary: a fresh cluster archiving into a fresh repository, with one full backup.
primary() {
    local d
    # archive-push calls the restored server's archiver started are still running
    pkill -KILL -f -- "-Dpgvault.lib=$work/dist/lib" 2>/dev/null || true
    sleep 0.2
    for d in data repo restored; do rm -rf "${work:?}/$d"; done
    mkdir -p "$work/repo"
    [ -n "$as" ] && chown -R postgres "$work"
    bench_cluster "max_wal_senders = 5" "archive_mode = on" "archive_timeout = 60" \
        "archive_command = '$pgvault archive-push %p'"
    bench_pgvault_yaml "$work/repo"
    [ -n "$as" ] && chown -R postgres "$work"
    $as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
    $as $pgvault init >/dev/null
    psql -c "CREATE TABLE beats (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())"
    if [ "$1" = busy ]; then
        $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s 5 postgres >/dev/null 2>&1
    fi
    $as $pgvault backup >/dev/null
}

start_receiver() {
    case $1 in
        archive) return 0 ;;
        async) $as $pgvault wal-receive >"$work/receiver.log" 2>&1 & ;;
        sync) $as $pgvault wal-receive --synchronous >"$work/receiver.log" 2>&1 & ;;
    esac
    receiver_pid=$!
    if [ "$1" = sync ]; then await_receiver pgvault sync; else await_receiver pgvault; fi
}

# lose_host MODE LOAD: the writer for 10 s, then the postmaster and the receiver killed -9 at
# once and the data directory deleted. Sets killed (epoch seconds) and acked (the log of
# acknowledged commits: one line each, the completion time in its 5th and 6th fields).
lose_host() {
    # the pause first: a transaction is logged as it ends, so its time is its commit's acknowledgement
    printf '\\sleep 20 ms\nINSERT INTO beats DEFAULT VALUES;\n' > "$work/beat.sql"
    rm -f "$work"/beat_log*
    [ -n "$as" ] && chown postgres "$work/beat.sql"
    (cd "$work" && $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 1 -T 60 -f beat.sql \
        -l --log-prefix="$work/beat_log" postgres >/dev/null 2>&1) &
    writers=$!
    if [ "$2" = busy ]; then
        $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -c 2 -T 60 postgres >/dev/null 2>&1 &
        writers="$writers $!"
    fi
    # 10 s and a random part of a second: not in step with the receiver's once-a-second store
    sleep "10.$(printf '%03d' $((RANDOM % 1000)))"
    local postmaster
    postmaster=$(head -1 "$work/data/postmaster.pid")
    killed=$(date +%s.%N)
    # every server process in one call: children found after the postmaster's death are init's
    kill -KILL "$postmaster" $(pgrep -P "$postmaster") 2>/dev/null || true
    # with the host go the archive_command calls under way
    pkill -KILL -f -- "-Dpgvault.lib=$work/dist/lib" 2>/dev/null || true
    if [ -n "$receiver_pid" ]; then
        pkill -KILL -P "$receiver_pid" 2>/dev/null || true
        kill -KILL "$receiver_pid" 2>/dev/null || true
    fi
    wait $writers 2>/dev/null || true
    writers=""
    [ -n "$receiver_pid" ] && { wait "$receiver_pid" 2>/dev/null || true; receiver_pid=""; }
    sleep 0.5
    # a lost host leaves no socket behind: the restored server listens on the same port
    rm -rf "${work:?}/data" "$work/.s.PGSQL.$port" "$work/.s.PGSQL.$port.lock"
    acked=$(cat "$work"/beat_log* 2>/dev/null | sort -n -k5,5 -k6,6)
}

# restored_rows: restores the repository's newest state into a new directory, promotes it and
# prints how many beats it holds (they are 1..n without a hole, as checked).
restored_rows() {
    $as $pgvault restore --pgdata "$work/restored" >/dev/null
    $as "$pgbin/pg_ctl" -D "$work/restored" -l "$work/restored.log" -w -t 300 start >/dev/null ||
        { echo "bench: the restored server did not start: $work/restored.log" >&2; return 1; }
    local i
    for i in $(seq 1 600); do
        [ "$(psql -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && break
        sleep 0.2
    done
    local n max
    n=$(psql -c "SELECT count(*) FROM beats")
    max=$(psql -c "SELECT coalesce(max(id), 0) FROM beats")
    $as "$pgbin/pg_ctl" -D "$work/restored" -m immediate stop >/dev/null
    [ "$n" = "$max" ] || { echo "bench: the restored beats have a hole: $n rows, ids up to $max" >&2; exit 1; }
    echo "$n"
}

read -r -a modes <<< "${MODES:-archive async sync}"
declare -A missing oldest
for load in "${loads[@]}"; do
    for ((r = 0; r < rounds; r++)); do
        for ((k = 0; k < ${#modes[@]}; k++)); do
            mode=${modes[$(( (k + r) % ${#modes[@]} ))]}
            primary "$load"
            sync
            start_receiver "$mode"
            lose_host "$mode" "$load"
            present=$(restored_rows) || exit 1
            [[ $present =~ ^[0-9]+$ ]] || { echo "bench: no row count from the restored server" >&2; exit 1; }
            count=$(echo "$acked" | grep -c . || true)
            lost=$(( count > present ? count - present : 0 ))
            if [ "$lost" -gt 0 ]; then
                age=$(echo "$acked" | sed -n "$((present + 1))p" | awk -v k="$killed" '{ printf "%.2f", k - ($5 + $6 / 1e6) }')
            else
                age=0
            fi
            printf 'load %-5s round %s %-7s %4s of %4s acknowledged rows missing, the oldest acknowledged %5s s before the kill\n' \
                "$load" "$((r + 1))" "$mode" "$lost" "$count" "$age"
            missing[$load,$mode]+="$lost "; oldest[$load,$mode]+="$age "
        done
    done
done

echo
echo "medians of $rounds alternating runs (ranges): a row committed every 20 ms for 10 s, then the host lost"
for load in "${loads[@]}"; do
    for mode in "${modes[@]}"; do
        printf 'load %-5s %-7s rows missing %s (%s)  oldest missing acknowledged %s s (%s) before the kill\n' "$load" "$mode" \
            "$(echo "${missing[$load,$mode]}" | median)" "$(echo "${missing[$load,$mode]}" | range)" \
            "$(echo "${oldest[$load,$mode]}" | median)" "$(echo "${oldest[$load,$mode]}" | range)"
    done
done
