package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code pgvault metrics} on a real PostgreSQL 15 archiving through pgvault, read back with the
 * Prometheus project's own text-format parser: after backups, every figure matches what the
 * repository, {@code info} and PostgreSQL say; a refused push, a failed backup and an unreadable
 * repository each show, as an alert would read them.
 */
@Concurrent
class MetricsIT {
    private static final String PARSER = "/usr/bin/python3";

    @BeforeAll
    static void needsPostgresAndTheParser() {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
    }

    @Test
    @Timeout(300)
    void figuresMatchTheRepositoryAndFailuresShow() throws Exception {
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "archive_timeout = 0")) {
            Path config = repo.config("main", pg);
            Path spool = pgUser.newDirectory("pgvault-metrics-spool");
            Files.writeString(config, "archive:\n  spool: " + spool + "\n", StandardOpenOption.APPEND);
            Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                    + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
            pg.start();
            dist.run(pgUser, config, "init").ok();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE t AS SELECT g FROM generate_series(1, 100000) g");
                WalArchivingIT.switchWal(st);
            }
            dist.run(pgUser, config, "backup").ok();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO t SELECT g FROM generate_series(1, 1000) g");
            }
            dist.run(pgUser, config, "backup", "--type", "incr").ok();
            awaitNothingReady(pg);

            Map<String, Double> m = metrics(dist, pgUser, config);
            String[] backups = dist.run(pgUser, config, "info", "--output", "json").ok().stdout().split("\\{\\s*\"id\"\\s*:");
            Map<String, String> full = fields(backups[1]);
            Map<String, String> incr = fields(backups[2]);
            assertEquals("full", full.get("type"));
            assertEquals("incr", incr.get("type"));
            assertEquals(1.0, m.get("pgvault_repository_up{stanza=\"main\"}"));
            assertEquals(2.0, m.get("pgvault_backups{stanza=\"main\"}"));
            assertEquals(Instant.parse(full.get("stop_time")).toEpochMilli() / 1000.0,
                    m.get("pgvault_backup_last_success_timestamp_seconds{stanza=\"main\",type=\"full\"}"), 0.0005);
            assertEquals(Instant.parse(incr.get("stop_time")).toEpochMilli() / 1000.0,
                    m.get("pgvault_backup_last_success_timestamp_seconds{stanza=\"main\",type=\"incr\"}"), 0.0005);
            assertFalse(m.containsKey("pgvault_backup_last_success_timestamp_seconds{stanza=\"main\",type=\"diff\"}"));
            assertEquals(Double.parseDouble(full.get("stored_bytes")),
                    m.get("pgvault_backup_last_size_bytes{stanza=\"main\",type=\"full\"}"));
            assertEquals(Double.parseDouble(incr.get("size_bytes")),
                    m.get("pgvault_backup_last_database_size_bytes{stanza=\"main\",type=\"incr\"}"));
            double took = (Instant.parse(full.get("stop_time")).toEpochMilli()
                    - Instant.parse(full.get("start_time")).toEpochMilli()) / 1000.0;
            assertEquals(took, m.get("pgvault_backup_last_duration_seconds{stanza=\"main\",type=\"full\"}"), 0.0015); // each end in ms
            assertEquals((double) bytesUnder(repo.dir.resolve("repo").resolve("main")), m.get("pgvault_repository_stored_bytes{stanza=\"main\"}"));
            assertEquals((double) segmentsUnder(repo.dir.resolve("repo").resolve("main/wal")), m.get("pgvault_wal_archived_segments{stanza=\"main\"}"));
            double newest = m.get("pgvault_wal_archived_newest_timestamp_seconds{stanza=\"main\"}");
            assertTrue(newest >= m.get("pgvault_wal_archived_oldest_timestamp_seconds{stanza=\"main\"}")
                    && newest <= Instant.now().toEpochMilli() / 1000.0, m.toString());
            // every archive_command call PostgreSQL counted as a success, counted on this host too
            assertEquals((double) archivedCount(pg), m.get("pgvault_archive_push_success_total{stanza=\"main\"}"));
            assertEquals(0.0, m.get("pgvault_archive_push_failures_total{stanza=\"main\"}"));
            assertEquals(0.0, m.get("pgvault_archive_ready_segments{stanza=\"main\"}"));
            assertEquals(0.0, m.get("pgvault_backup_failures_total{stanza=\"main\"}"));

            // different bytes under a stored name: refused (exit 7), and counted as a failure with its time
            String segment = segmentsIn(repo.dir.resolve("repo").resolve("main/wal")).get(0);
            Path copy = spool.resolve(segment);
            dist.run(pgUser, config, "archive-get", segment, copy.toString()).ok();
            byte[] changed = Files.readAllBytes(copy);
            changed[100] ^= 0x5A;
            Files.write(copy, changed);
            pgUser.own(copy);
            double before = Instant.now().toEpochMilli() / 1000.0;
            assertEquals(7, dist.run(pgUser, config, "archive-push", copy.toString()).exitCode());
            // and a backup that cannot reach PostgreSQL
            pg.stop();
            Proc failed = dist.run(pgUser, config, "backup", "--type", "diff");
            assertNotEquals(0, failed.exitCode(), failed.stdout());
            double after = Instant.now().toEpochMilli() / 1000.0;
            Map<String, Double> f = metrics(dist, pgUser, config);
            assertEquals(1.0, f.get("pgvault_archive_push_failures_total{stanza=\"main\"}"));
            double failedAt = f.get("pgvault_archive_push_last_failure_timestamp_seconds{stanza=\"main\"}");
            assertTrue(failedAt >= before - 0.001 && failedAt <= after + 0.001, before + " <= " + failedAt + " <= " + after);
            assertEquals(1.0, f.get("pgvault_backup_failures_total{stanza=\"main\"}"));
            assertTrue(f.get("pgvault_backup_last_failure_timestamp_seconds{stanza=\"main\",type=\"diff\"}") >= before - 0.001);
            assertEquals(2.0, f.get("pgvault_backups{stanza=\"main\"}"), "a failed backup is no backup");

            // the repository unreadable: the file is still written, says up 0 and keeps this host's counters
            Path moved = repo.dir.resolve("repo").resolveSibling(repo.dir.resolve("repo").getFileName() + "-away");
            Files.move(repo.dir.resolve("repo"), moved);
            try {
                Path prom = spool.resolve("pgvault.prom");
                Proc down = dist.run(pgUser, config, "metrics", "--output", prom.toString());
                assertNotEquals(0, down.exitCode(), down.stderr());
                assertEquals(1, down.stderr().strip().lines().count(), down.stderr());
                Map<String, Double> d = parse(Files.readString(prom));
                assertEquals(0.0, d.get("pgvault_repository_up{stanza=\"main\"}"));
                assertEquals(1.0, d.get("pgvault_archive_push_failures_total{stanza=\"main\"}"));
                assertFalse(d.containsKey("pgvault_backups{stanza=\"main\"}"), "nothing said of what could not be read");
                try (Stream<Path> left = Files.list(spool)) {
                    assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
                }
            } finally {
                Files.move(moved, repo.dir.resolve("repo"));
            }
        }
    }

    /** The string and number fields of one backup's JSON object, as info --output json writes them. */
    private static Map<String, String> fields(String object) {
        Map<String, String> f = new HashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([a-z_]+)\"\\s*:\\s*(\"([^\"]*)\"|(-?[0-9]+))").matcher(object);
        while (m.find()) {
            f.putIfAbsent(m.group(1), m.group(3) != null ? m.group(3) : m.group(4));
        }
        return f;
    }

    private static Map<String, Double> metrics(PgvaultDist dist, OsUser pgUser, Path config) throws Exception {
        return parse(dist.run(pgUser, config, "metrics").ok().stdout());
    }

    /** The samples as the Prometheus project's parser reads them: a malformed line fails the test. */
    static Map<String, Double> parse(String exposition) throws Exception {
        Path script = Path.of(MetricsIT.class.getResource("/prometheus_parse.py").toURI());
        Process p = new ProcessBuilder(PARSER, script.toString()).start();
        try (var in = p.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "the parser refused the exposition: " + err + "\n" + exposition);
        Map<String, Double> samples = new HashMap<>();
        for (String line : out.strip().split("\n")) {
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return samples;
    }

    private static void awaitNothingReady(PgCluster pg) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Stream<Path> s = Files.list(pg.data.resolve("pg_wal/archive_status"))) {
                if (s.noneMatch(p -> p.toString().endsWith(".ready"))) {
                    return;
                }
            }
            assertTrue(System.nanoTime() < deadline, "segments still not archived after 60 s");
            Thread.sleep(100);
        }
    }

    private static long archivedCount(PgCluster pg) throws Exception {
        try (Connection c = pg.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT archived_count FROM pg_stat_archiver")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long bytesUnder(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static List<String> segmentsIn(Path walDir) throws IOException {
        try (Stream<Path> all = Files.walk(walDir)) {
            return all.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("[0-9A-F]{24}")).sorted().toList();
        }
    }

    private static long segmentsUnder(Path walDir) throws IOException {
        return segmentsIn(walDir).size();
    }
}
