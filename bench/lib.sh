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
    cp -r "$here"/cli/target/pgvault/lib/. "$work/dist/lib/" && rm -f "$work/dist/lib/pgvault.jsa"
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

