#!/usr/bin/env bash
# Benchmark (not a test): what the PBKDF2 iteration count of an encrypted stanza costs.
#
#   bench/kdf-cost.sh [RUNS] [COUNT ...]     (default 7 runs; counts 1000 100000 600000)
#
# 1. The derivation alone in a fresh JVM (bench/KdfCost.java), RUNS times per count, with 1
#    iteration for the fixed cost of loading the provider.
# 2. What a synchronous archive-push of one 16 MiB segment takes as a whole process (the launcher,
#    with its class-data archive) into an encrypted filesystem repository per count, and into a
#    plain one: RUNS real segments pushed into every repository, the order rotated each round.
# Needs a built pgvault (mvn -B -q package -DskipTests). Medians and ranges in milliseconds.
set -euo pipefail

runs=${1:-7}
[ $# -gt 0 ] && shift
counts=${*:-1000 100000 600000}
source "$(dirname "$0")/lib.sh"
need_pgvault
bench_workdir pgvault-kdf
stats() { sort -n "$1" | awk '{ t[NR] = $1 } END { printf "median %7.1f ms (%.1f-%.1f)\n", t[int((NR + 1) / 2)], t[1], t[NR] }'; }

echo "1. the derivation alone, fresh JVM:"
javac -d "$work" "$here/bench/KdfCost.java"
for n in 1 $counts; do
    : > "$work/times"
    for _ in $(seq "$runs"); do java -XX:+UseSerialGC -XX:-UsePerfData -cp "$work" KdfCost "$n" >> "$work/times"; done
    printf "   %8d iterations: %s\n" "$n" "$(stats "$work/times")"
done

bench_dist

port=$((20000 + RANDOM % 20000))
$as "$pgbin/initdb" -D "$work/data" -U postgres -A trust --no-sync >/dev/null
printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nwal_keep_size = 1GB\n" "$port" "$work" \
    >> "$work/data/postgresql.conf"
$as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
psql() { $as "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtX "$@"; }
psql -c "CREATE TABLE noise (id bigint, body text)"
mkdir -p "$work/wal"
for _ in $(seq "$runs"); do
    psql -c "INSERT INTO noise SELECT g, md5(random()::text) FROM generate_series(1, 20000) g"
    seg=$(psql -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
    psql -c "SELECT pg_switch_wal()" >/dev/null
    cp "$work/data/pg_wal/$seg" "$work/wal/"
done
head -c 48 /dev/urandom | base64 > "$work/passphrase"
chmod 600 "$work/passphrase"
repos="plain $counts"
for r in $repos; do
    mkdir -p "$work/repo-$r"
    {
        printf 'stanza: bench\npg:\n  data: %s\n  port: %s\nrepo:\n  path: %s\n' "$work/data" "$port" "$work/repo-$r"
        [ "$r" = plain ] || printf '  cipher-pass-file: %s\n  cipher-kdf-iterations: %s\n' "$work/passphrase" "$r"
    } > "$work/$r.yaml"
done
[ -n "$as" ] && chown -R postgres "$work"
for r in $repos; do $as "$work/dist/bin/pgvault" --config "$work/$r.yaml" init >/dev/null; : > "$work/push-$r"; done

set -- $repos
round=0
for seg in "$work"/wal/*; do
    sync
    order=$(printf '%s\n' "$@" | awk -v k="$round" -v n=$# '{ a[NR] = $0 } END { for (i = 0; i < n; i++) print a[(i + k) % n + 1] }')
    for r in $order; do
        ms $as "$work/dist/bin/pgvault" --config "$work/$r.yaml" archive-push "$seg" >> "$work/push-$r"
    done
    round=$((round + 1))
done
echo "2. one synchronous archive-push, whole process, $runs segments:"
for r in $repos; do
    printf "   %-8s %s\n" "$r" "$(stats "$work/push-$r")"
done
