#!/usr/bin/env bash
# Benchmark (not a test): what the number of backups kept costs the commands that look at all of
# them, pgvault against pgBackRest 2.45 in the same run, and optionally against another build of
# pgvault.
#
#   bench/many-backups.sh [BACKUPS] [ROUNDS]     (defaults: 100 backups, 5 rounds; medians reported)
#   SCALE=5                                      pgbench scale (the manifests' file count barely moves with it)
#   BASE_DIST=DIR                                also time another pgvault build (a copy of bin/ and
#                                                cli/target/pgvault/lib/ as bench_dist makes) as pgvault-base
#   REPO=s3                                      both tools' repositories on S3 (an in-memory S3Proxy on
#                                                loopback, bench_s3 in lib.sh) instead of the filesystem
#   LATENCY_MS=20                                with REPO=s3, what each S3 request waits in the timed
#                                                rounds (none while the backups are taken): a region's
#                                                round trip, which loopback lacks
#
# Loads pgbench at SCALE with random filler (as bench/backup-restore.sh), takes a full and then
# BACKUPS-1 incrementals with each tool (1 s of pgbench -c 2 -R 50 between), retention set to keep
# them all (pgvault `full: 1000`, pgBackRest repo1-retention-full=1000). Then each round, tools
# alternating, each run after `sync`:
#   backup   backup --type incr, which with a retention set expires after itself (both tools)
#   info     info (both tools)
#   expire   expire --dry-run (pgvault)
#   metrics  metrics (pgvault)
# Every backup a round takes stays, so later rounds see a few more; the alternation spreads that.
set -euo pipefail

count=${1:-100}
rounds=${2:-5}
source "$(dirname "$0")/lib.sh"
need_pgbackrest
need_pgvault
if [ -n "${BASE_DIST:-}" ] && [ ! -x "$BASE_DIST/bin/pgvault" ]; then
    echo "bench: BASE_DIST=$BASE_DIST holds no bin/pgvault" >&2; exit 1
fi
bench_workdir pgvault-bench-many
if [ "${REPO:-fs}" = s3 ]; then bench_s3; fi
bench_pgbench_pair "${SCALE:-5}"
printf 'retention:\n  full: 1000\n' >> "$work/pgvault.yaml"
sed -i 's/^\[global\]$/[global]\nrepo1-retention-full=1000/' "$work/pgbackrest.conf"

echo "taking $count backups with each tool ..."
for ((h = 0; h < count; h++)); do
    type=incr; ((h == 0)) && type=full
    $as $pgvault backup --type "$type" --no-expire >/dev/null
    $as $pgbackrest backup --type="$type" >/dev/null 2>&1
    $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -c 2 -R 50 -T 1 postgres >/dev/null 2>&1
done

if [ "${REPO:-fs}" = s3 ]; then echo "${LATENCY_MS:-20}" > "$work/s3-latency"; fi
tools=(pgvault pgbackrest)
[ -n "${BASE_DIST:-}" ] && tools+=(pgvault-base)
declare -A t
for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < ${#tools[@]}; k++)); do
        tool=${tools[$(( (k + r) % ${#tools[@]} ))]}
        case $tool in
            pgvault) p=$pgvault ;;
            pgvault-base) p="$BASE_DIST/bin/pgvault --config $work/pgvault.yaml" ;;
        esac
        if [ "$tool" = pgbackrest ]; then
            push_first pgbackrest
            b=$(secs $as $pgbackrest backup --type=incr)
            i=$(secs $as $pgbackrest info)
            line="backup $b s  info $i s"
        else
            push_first pgvault
            b=$(secs $as $p backup --type incr)
            i=$(secs $as $p info)
            e=$(secs $as $p expire --dry-run)
            m=$(secs $as $p metrics)
            t[$tool,expire]+="$e "; t[$tool,metrics]+="$m "
            line="backup $b s  info $i s  expire --dry-run $e s  metrics $m s"
        fi
        t[$tool,backup]+="$b "; t[$tool,info]+="$i "
        echo "round $((r + 1)) $tool: $line"
    done
done

echo
echo "medians of $rounds alternating runs (ranges), $count to $((count + rounds)) backups kept, scale ${SCALE:-5}," \
    "repository ${REPO:-fs}$([ "${REPO:-fs}" = s3 ] && echo ", ${LATENCY_MS:-20} ms per request")"
for tool in "${tools[@]}"; do
    for what in backup info expire metrics; do
        [ -n "${t[$tool,$what]:-}" ] || continue
        printf '%-13s %-8s %s s (%s)\n' "$tool" "$what" "$(echo "${t[$tool,$what]}" | median)" "$(echo "${t[$tool,$what]}" | range)"
    done
done
b_v=$(echo "${t[pgvault,backup]}" | median); b_r=$(echo "${t[pgbackrest,backup]}" | median)
i_v=$(echo "${t[pgvault,info]}" | median); i_r=$(echo "${t[pgbackrest,info]}" | median)
awk -v a="$b_v" -v b="$b_r" -v c="$i_v" -v d="$i_r" \
    'BEGIN { printf "pgvault / pgbackrest: backup %.2fx, info %.2fx\n", (b > 0 ? a / b : 0), (d > 0 ? c / d : 0) }'
