# Sourced by the benchmarks (bash): what each of them sets up the same way.
#   here, pgbin, as     the checkout, PostgreSQL's binaries, the prefix that runs a command as
#                       the postgres OS user when started as root (else nothing)
#   need_pgvault, need_pgbackrest   exit with one line when the tool is missing
#   bench_workdir NAME  a fresh $work under /tmp, removed on exit (KEEP=1 keeps it) after the
#                       script's own bench_cleanup, if it defines one, every PostgreSQL cluster
#                       directly under it is stopped and its resident pgvault processes killed
#   bench_dist          pgvault copied to $work/dist (PostgreSQL's user must read it), with a
#                       class-data archive of its own
#   ms CMD...           CMD's wall time in milliseconds, its output dropped
#   secs CMD...         CMD's wall time in seconds after `sync`, its output dropped; a failure
#                       ends the benchmark (its time would be a fake data point)
#   median, range       of the space-separated numbers on stdin; last TEXT: its last word
#   fresh_dir DIR       DIR made empty, mode 0700, owned by PostgreSQL's user
#   bench_cluster [CONF...]   initdb of $work/data for port $port (listening on 127.0.0.1 and a
#                       socket in $work, max_wal_size 4GB, data checksums), each CONF a line
#                       added to postgresql.conf
#   bench_pgvault_yaml REPO   $work/pgvault.yaml: stanza bench for $work/data on $port, a
#                       filesystem repository at REPO, zstd level 3
#   bench_s3            an S3 repository for both tools: an in-memory S3Proxy (bench/S3ProxyBench.java,
#                       stopped on exit) on http for pgvault and https (self-signed) for pgBackRest;
#                       bench_pgbench_pair then points both tools' repositories at it. Each request
#                       waits the milliseconds written to $work/s3-latency (0 at first)
#   await_receiver NAME [sync]   wait (at most 30 s) until the replication client NAME streams
#                       from the cluster on $port; with sync, name it in synchronous_standby_names
#                       and wait (at most 10 s) until it is the synchronous one
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
pgbin=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ "$(id -u)" = 0 ]; then as="runuser -u postgres --"; else as=""; fi

need_pgvault() {
    [ -f "$here/cli/target/pgvault/lib/pgvault-cli.jar" ] || { echo "bench: build pgvault first: mvn -B -q package -DskipTests" >&2; exit 1; }
}

need_pgbackrest() {
    command -v pgbackrest >/dev/null || { echo "bench: pgbackrest is not installed (apt-get install -y pgbackrest)" >&2; exit 1; }
}

bench_workdir() {
    work=$(mktemp -d "/tmp/$1.XXXXXX")
    chmod 755 "$work"
    trap bench_exit EXIT
}

bench_exit() {
    if declare -F bench_cleanup >/dev/null; then bench_cleanup || true; fi
    if [ -n "${s3_pid:-}" ]; then kill "$s3_pid" 2>/dev/null || true; fi
    local pid
    for pid in "$work"/*/postmaster.pid; do
        { [ -f "$pid" ] && $as "$pgbin/pg_ctl" -D "$(dirname "$pid")" -m immediate stop >/dev/null 2>&1; } || true
    done
    pkill -f "$work/.*archive-async" 2>/dev/null || true
    if [ -n "${KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}

bench_dist() {
    mkdir -p "$work/dist/bin" "$work/dist/lib"
    cp "$here/bin/pgvault" "$work/dist/bin/"
    cp -r "$here"/cli/target/pgvault/lib/. "$work/dist/lib/" && rm -f "$work"/dist/lib/*.jsa
    [ -n "$as" ] && chown -R postgres "$work"
    $as "$work/dist/bin/pgvault" --build-cds
}

ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}


# push_first TOOL: archive_command runs both tools' archive-push, one after the other; TOOL's goes
# first, so that a timed backup by TOOL does not also wait for the other tool's push of its stop
# segment. Call it before each timed backup.
push_first() {
    local cmd
    if [ "$1" = pgvault ]; then cmd="$pgvault archive-push %p && $pgbackrest archive-push %p"
    else cmd="$pgbackrest archive-push %p && $pgvault archive-push %p"; fi
    psql -c "ALTER SYSTEM SET archive_command = '$cmd'" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 1
}

# bench_pgbench_pair SCALE: in $work, pgvault (process-max 2, zstd 3) and pgBackRest (the same)
# repositories of one cluster loaded with pgbench at SCALE, pgbench_accounts.filler rewritten with
# random hex (pgbench's blank filler compresses ~20x and flatters every tool; random hex ~2.7x,
# like real tables), both stanzas made and archiving caught up. Sets port, pgvault, pgbackrest
# and psql (a function) for the caller.
bench_pgbench_pair() {
    local scale=$1
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
    bench_pgvault_yaml "$work/repo-pgvault"
    echo "process-max: 2" >> "$work/pgvault.yaml"
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
    if [ -n "${s3_http:-}" ]; then bench_s3_repos; fi
    [ -n "$as" ] && chown -R postgres "$work"
    $as "$pgbin/pg_ctl" -D "$work/data" -l "$work/pg.log" -w start >/dev/null
    psql() { $as "$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtX "$@"; }

    echo "loading pgbench scale $scale with random filler ..."
    $as "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U postgres -i -q -s "$scale" postgres >/dev/null 2>&1
    psql -c "UPDATE pgbench_accounts SET filler = substr(md5(random()::text) || md5(random()::text) || md5(random()::text), 1, 84)"
    psql -c "VACUUM FULL pgbench_accounts" -c "CHECKPOINT"
    # The load's aftermath (autovacuum setting every page all-visible and frozen after the filler
    # rewrite: some hundred MB of WAL with data checksums) would otherwise be archived during the
    # first rounds and compete with their timed runs: every benchmark starts from a settled table.
    # PREVACUUM=0 leaves it to autovacuum, to see that case.
    if [ "${PREVACUUM:-1}" = 1 ]; then
        psql -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT"
    fi
    echo "data directory: $(du -sm --exclude=pg_wal "$work/data" | cut -f1) MB without pg_wal"
    $as $pgvault init >/dev/null
    $as $pgbackrest stanza-create >/dev/null
    # The load's WAL was not archived (no backup needs it, and pushing it would take minutes); from
    # here on both tools archive, and the first round starts once the archiver has caught up.
    echo "archive_command = '$pgvault archive-push %p && $pgbackrest archive-push %p'" >> "$work/data/postgresql.conf"
    $as "$pgbin/pg_ctl" -D "$work/data" reload >/dev/null
    switched=$(psql -c "SELECT pg_walfile_name(pg_switch_wal())")
    until [ "$(psql -c "SELECT coalesce(last_archived_wal >= '$switched', false) FROM pg_stat_archiver")" = t ]; do sleep 0.2; done
}

secs() {
    local t0 t1
    # the previous run's dirty pages would otherwise be written back during this one's clock
    sync
    t0=$(date +%s%N)
    "$@" >/dev/null || { echo "bench: failed: $*" >&2; return 1; }
    t1=$(date +%s%N)
    awk -v n=$((t1 - t0)) 'BEGIN {printf "%.2f", n / 1e9}'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
range() { tr ' ' '\n' | grep . | sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {print lo "-" hi}'; }
last() { echo "$1" | awk '{print $NF}'; }

bench_cluster() {
    $as "$pgbin/initdb" -D "$work/data" -U postgres -A trust --data-checksums --no-sync >/dev/null
    {
        printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nmax_wal_size = 4GB\n" "$port" "$work"
        local line
        for line in "$@"; do printf '%s\n' "$line"; done
    } >> "$work/data/postgresql.conf"
}

bench_pgvault_yaml() {
    cat > "$work/pgvault.yaml" <<YAML
stanza: bench
pg:
  data: $work/data
  port: $port
  bin: $pgbin
repo:
  path: $1
  compress: zstd
  compress-level: 3
YAML
}

bench_s3() {
    echo "starting S3Proxy (pgvault reaches it over http, pgBackRest over https: it speaks only https to S3) ..."
    (cd "$here" && mvn -B -q dependency:build-classpath -pl storage -Dmdep.includeScope=test \
        -Dmdep.outputFile="$work/s3.cp" >/dev/null)
    # storage's test classes: S3ProxyServer's logging set-up (build them: mvn -B -q install -DskipTests)
    printf ':%s' "$here/storage/target/test-classes" >> "$work/s3.cp"
    mkdir -p "$work/s3proxy"
    javac -cp "$(cat "$work/s3.cp")" -d "$work/s3proxy" "$here/bench/S3ProxyBench.java"
    # Keys made here, handed over in the environment of the commands that need them: never on a
    # command line (ps shows those), never exported to the rest.
    local pass
    pass=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    s3_secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    S3_KEYSTORE_PASS=$pass keytool -genkeypair -alias bench -keyalg RSA -keysize 2048 -dname CN=127.0.0.1 \
        -ext SAN=IP:127.0.0.1 -validity 2 -storetype PKCS12 -keystore "$work/s3.p12" -storepass:env S3_KEYSTORE_PASS \
        >/dev/null 2>&1
    echo 0 > "$work/s3-latency"
    S3_KEYSTORE_PASS=$pass S3_ACCESS_KEY=bench S3_SECRET_KEY=$s3_secret java -Xmx4g -cp "$work/s3proxy:$(cat "$work/s3.cp")" \
        S3ProxyBench "$work/s3-latency" "$work/s3.p12" "$work/s3-ports" > "$work/s3proxy.log" 2>&1 &
    s3_pid=$!
    local i
    for i in $(seq 1 300); do [ -s "$work/s3-ports" ] && break; sleep 0.1; done
    read -r s3_http s3_https < "$work/s3-ports" || { echo "bench: S3Proxy did not start: $work/s3proxy.log" >&2; exit 1; }
}

bench_s3_repos() {
    S3_SECRET_KEY=$s3_secret awk -v port="$s3_http" '
        /^  path: / { print "  type: s3\n  s3:\n    endpoint: http://127.0.0.1:" port "\n    region: us-east-1\n    bucket: bench"
                      print "    prefix: pgvault\n    path-style: true\n    access-key: bench"
                      print "    secret-key: " ENVIRON["S3_SECRET_KEY"]; next }
        { print }' "$work/pgvault.yaml" > "$work/pgvault.yaml.s3"
    S3_SECRET_KEY=$s3_secret awk -v port="$s3_https" '
        /^repo1-path=/ { print "repo1-type=s3\nrepo1-path=/pgbackrest\nrepo1-s3-bucket=bench\nrepo1-s3-endpoint=127.0.0.1"
                         print "repo1-storage-port=" port "\nrepo1-s3-region=us-east-1\nrepo1-s3-key=bench"
                         print "repo1-s3-key-secret=" ENVIRON["S3_SECRET_KEY"]
                         print "repo1-s3-uri-style=path\nrepo1-storage-verify-tls=n"; next }
        { print }' "$work/pgbackrest.conf" > "$work/pgbackrest.conf.s3"
    mv "$work/pgvault.yaml.s3" "$work/pgvault.yaml"
    mv "$work/pgbackrest.conf.s3" "$work/pgbackrest.conf"
    chmod 600 "$work/pgvault.yaml" "$work/pgbackrest.conf"
}

await_receiver() {
    local i q="$as $pgbin/psql -h 127.0.0.1 -p $port -U postgres -qAtX"
    for i in $(seq 1 300); do
        [ "$($q -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$1' AND state = 'streaming'")" = 1 ] && break
        sleep 0.1
    done
    [ "${2:-}" = sync ] || return 0
    $q -c "ALTER SYSTEM SET synchronous_standby_names = '$1'" -c "SELECT pg_reload_conf()" >/dev/null
    for i in $(seq 1 100); do
        [ "$($q -c "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] && break
        sleep 0.1
    done
}

fresh_dir() { rm -rf "$1"; mkdir -p "$1"; chmod 700 "$1"; [ -n "$as" ] && chown postgres "$1"; }
