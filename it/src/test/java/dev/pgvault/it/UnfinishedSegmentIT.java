package dev.pgvault.it;

import static dev.pgvault.it.PointInTimeRecoveryIT.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.wal.SpanningRecord;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.archiver.wal.WalSegmentEnd;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * archive-push on real PostgreSQL 15 segments: every finished segment is stored, a switched one
 * (zeros after its switch record) included, while the same segment cut short, zeros after a point
 * (what archive-get hands a standby for a segment wal-receive had only streamed, and what a standby
 * with {@code archive_mode = always} then archives again), is refused with the LSN where its WAL
 * stops, and nothing is stored under its name until the finished segment comes.
 */
@Concurrent
class UnfinishedSegmentIT {
    private static final long SEGMENT = 16L << 20;

    /** {@code pg} archiving into {@code repo} with pgvault, started, its stanza made; its configuration. */
    private static Path archivingThroughPgvault(TestRepo repo, PgCluster pg, PgvaultDist dist) throws Exception {
        Path config = repo.config("main", pg);
        Files.writeString(pg.data.resolve("postgresql.auto.conf"), "archive_command = '" + dist.launcher()
                + " --config " + config + " archive-push %p'\n", StandardOpenOption.APPEND);
        pg.start();
        dist.run(pg.user, config, "init").ok();
        return config;
    }

    /** {@code pg} started, the stanza made in {@code repo}; its configuration (no archive_command). */
    private static Path startedWithStanza(TestRepo repo, PgCluster pg, PgvaultDist dist) throws Exception {
        Path config = repo.config("main", pg);
        pg.start();
        dist.run(pg.user, config, "init").ok();
        return config;
    }

    private static String quoted(String text) {
        return "'" + text + "'";
    }

    private static long lsn(String text) {
        String[] p = text.split("/");
        return (Long.parseLong(p[0], 16) << 32) + Long.parseLong(p[1], 16);
    }

    @Test
    void aSegmentCutShortIsRefusedAndEveryFinishedOneIsStored() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("wal_keep_size = 1GB")) {
            Path config = startedWithStanza(repo, pg, dist);
            String switched;
            String cutSegment;
            long cutAt;
            String last;
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE filler (id int, pad text)");
                st.execute("INSERT INTO filler SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 100) g");
                switched = value(st, "SELECT pg_walfile_name(pg_switch_wal())"); // zeros after its switch record
                st.execute("CHECKPOINT"); // full-page images from here: records of every size
                st.execute("INSERT INTO filler SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 500) g");
                String at = value(st, "SELECT pg_current_wal_insert_lsn()::text");
                cutSegment = value(st, "SELECT pg_walfile_name('" + at + "')");
                cutAt = lsn(at);
                // fill the rest of that segment and the next, with records that cross pages and the segment's end
                while (lsn(value(st, "SELECT pg_current_wal_insert_lsn()::text")) < (cutAt / SEGMENT + 2) * SEGMENT) {
                    st.execute("INSERT INTO filler SELECT g, repeat(md5(g::text), 60) FROM generate_series(1, 2000) g");
                }
                last = value(st, "SELECT pg_walfile_name(pg_switch_wal())");
                st.execute("SELECT pg_switch_wal()"); // so that `last` is finished too, then its successor
            }
            Path walDir = pg.data.resolve("pg_wal");
            Path scratch = pgUser.newDirectory("pgvault-unfinished");
            try {
                long offset = cutAt % SEGMENT;
                byte[] whole = Files.readAllBytes(walDir.resolve(cutSegment));
                // cut where the WAL stood (a record's start), then in the middle of the records after it
                for (long cut : List.of(offset, offset + 5000)) {
                    byte[] shortened = whole.clone();
                    Arrays.fill(shortened, (int) cut, shortened.length, (byte) 0);
                    Path file = scratch.resolve(cutSegment);
                    Files.write(file, shortened);
                    pgUser.own(file);
                    Proc refused = dist.run(pgUser, config, "archive-push", file.toString());
                    assertEquals(5, refused.exitCode(), "cut at +" + cut + ": " + refused.stderr());
                    assertTrue(refused.stderr().contains(cutSegment + " is not finished: its WAL stops at "), refused.stderr());
                    assertEquals(1, refused.stderr().strip().lines().count(), refused.stderr());
                    if (cut == offset) {
                        String stops = String.format("%X/%X", cutAt >>> 32, cutAt & 0xFFFFFFFFL);
                        assertTrue(refused.stderr().contains("stops at " + stops + " and only zeros follow"), refused.stderr());
                    }
                    Proc get = dist.run(pgUser, config, "archive-get", cutSegment, scratch.resolve("got").toString());
                    assertEquals(1, get.exitCode(), "nothing stored under the name: " + get.stderr());
                }

                // every finished segment, from the switched one to the last, stored and fetched back whole
                List<String> finished = new ArrayList<>();
                long from = Long.parseLong(switched.substring(8), 16);
                long to = Long.parseLong(last.substring(8), 16);
                for (long n = from; n <= to; n++) {
                    finished.add(switched.substring(0, 8) + String.format("%016X", n));
                }
                assertTrue(finished.contains(cutSegment) && finished.size() >= 4, finished.toString());
                // On PostgreSQL's own WAL, each last record that goes on in the next segment holds
                // its CRC completed from it: the check verify makes is PostgreSQL's.
                int spanning = 0;
                for (int i = 0; i + 1 < finished.size(); i++) {
                    byte[] seg = Files.readAllBytes(walDir.resolve(finished.get(i)));
                    byte[] following = Files.readAllBytes(walDir.resolve(finished.get(i + 1)));
                    int start = WalSegmentEnd.ending(java.nio.ByteBuffer.wrap(seg)).spanningStart();
                    if (start >= 0 && (following[2] & 1) != 0) {
                        assertEquals(java.util.Optional.of(true), SpanningRecord.crcMatches(java.nio.ByteBuffer.wrap(seg),
                                start, java.nio.ByteBuffer.wrap(following)), finished.get(i) + "'s last record");
                        spanning++;
                    }
                }
                assertTrue(spanning >= 1, "no last record of " + finished + " goes on in the next segment");
                Path padded = streamCutInsideItsLastRecordIsRefused(repo, dist, pgUser, config, walDir, scratch, finished);
                for (String name : finished) {
                    Proc push = dist.run(pgUser, config, "archive-push", walDir.resolve(name).toString());
                    assertEquals(0, push.exitCode(), name + ": " + push.stderr());
                    Path back = scratch.resolve("back-" + name);
                    dist.run(pgUser, config, "archive-get", name, back.toString()).ok();
                    assertArrayEquals(Files.readAllBytes(walDir.resolve(name)), Files.readAllBytes(back), name);
                }
                // the finished segment stored, the padded copy is archived already (a standby's archiver goes on)
                Proc again = dist.run(pgUser, config, "archive-push", padded.toString());
                assertEquals(0, again.exitCode(), again.stderr());
                assertTrue(again.stderr().contains("the finished segment it begins is already archived"), again.stderr());

                // An older pgvault stored such a padded copy as the complete segment: verify reads its
                // last record on into the next segment, and the record's CRC fails there.
                String name = padded.getFileName().toString();
                storeAsArchived(repo, pgUser, name, Files.readAllBytes(padded));
                Proc found = dist.run(pgUser, config, "verify");
                assertEquals(6, found.exitCode(), found.stdout() + found.stderr());
                assertTrue(found.stdout().contains("WAL file " + name) && found.stdout().contains("fails its CRC (completed from ")
                        && found.stdout().contains("and this copy ends in zeros"), found.stdout());
                storeAsArchived(repo, pgUser, name, Files.readAllBytes(walDir.resolve(name)));
                Proc clean = dist.run(pgUser, config, "verify");
                assertFalse(clean.stdout().contains("fails its CRC"), "the finished segment's last record holds its CRC: "
                        + clean.stdout());
                assertEquals(0, clean.exitCode(), clean.stdout() + clean.stderr());
            } finally {
                PgvaultDist.deleteTree(scratch);
            }
        }
    }

    /**
     * A finished segment of PostgreSQL's own whose last record ends in zeros (a TOAST chunk of a
     * zero-filled value), while the repository holds only a stream of it that stops inside those
     * zeros (a receiver stopped there): its bytes are a padded copy's. Its last record goes on in
     * the next segment: a copy of it alone in a directory is refused, as that record's CRC cannot
     * be checked; PostgreSQL's own, beside the next segment, holds it and is stored.
     */
    @Test
    void aFinishedSegmentEndingInZerosIsStoredBesideTheNextThoughOnlyAStreamHeldIt() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("wal_keep_size = 1GB")) {
            Path config = startedWithStanza(repo, pg, dist);
            List<String> finished = new ArrayList<>();
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE zeros (b bytea)");
                st.execute("ALTER TABLE zeros ALTER b SET STORAGE EXTERNAL"); // TOASTed, not compressed
                String first = value(st, "SELECT pg_walfile_name(pg_switch_wal())");
                long end = (lsn(value(st, "SELECT pg_current_wal_insert_lsn()::text")) / SEGMENT + 4) * SEGMENT;
                while (lsn(value(st, "SELECT pg_current_wal_insert_lsn()::text")) < end) {
                    st.execute("INSERT INTO zeros SELECT decode(repeat('00', 200000), 'hex') FROM generate_series(1, 20)");
                }
                String last = value(st, "SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
                for (long n = Long.parseLong(first.substring(8), 16) + 1; n < Long.parseLong(last.substring(8), 16); n++) {
                    finished.add(first.substring(0, 8) + String.format("%016X", n));
                }
            }
            Path walDir = pg.data.resolve("pg_wal");
            String name = null;
            byte[] whole = null;
            int bytesEnd = 0;
            for (int i = 0; i + 1 < finished.size(); i++) {
                String candidate = finished.get(i);
                byte[] seg = Files.readAllBytes(walDir.resolve(candidate));
                byte[] following = Files.readAllBytes(walDir.resolve(finished.get(i + 1)));
                WalSegmentEnd.Ending ending = WalSegmentEnd.ending(java.nio.ByteBuffer.wrap(seg));
                if (seg[seg.length - 1] == 0 && ending.stop().isEmpty() && ending.zerosUnexplained()
                        && (following[2] & 1) != 0) { // ending in zeros inside a record that goes on
                    name = candidate;
                    whole = seg;
                    bytesEnd = seg.length;
                    while (seg[bytesEnd - 1] == 0) {
                        bytesEnd--;
                    }
                    break;
                }
            }
            assertTrue(name != null, "no segment of " + finished + " ends inside a zero-filled record that goes on");
            storeStream(repo, pgUser, name, whole, bytesEnd + (whole.length - bytesEnd) / 2);
            Path scratch = pgUser.newDirectory("pgvault-zero-ended");
            try {
                Path alone = scratch.resolve(name);
                Files.write(alone, whole);
                pgUser.own(alone);
                Proc refused = dist.run(pgUser, config, "archive-push", alone.toString());
                assertEquals(5, refused.exitCode(), refused.stderr());
                assertTrue(refused.stderr().contains(name + " is not finished: its bytes stop at "), refused.stderr());

                Proc push = dist.run(pgUser, config, "archive-push", walDir.resolve(name).toString());
                assertEquals(0, push.exitCode(), push.stderr());
                Path back = scratch.resolve("back");
                dist.run(pgUser, config, "archive-get", name, back.toString()).ok();
                assertArrayEquals(whole, Files.readAllBytes(back), name);
            } finally {
                PgvaultDist.deleteTree(scratch);
            }
        }
    }

    /** Stores the first {@code length} bytes of {@code segment} as wal-receive's {@code .stream} of {@code name}. */
    private static void storeStream(TestRepo repo, OsUser pgUser, String name, byte[] segment, int length) throws Exception {
        try (EncodedStore store = new EncodedStore(repo.blobs(), CodecSpec.DEFAULT)) {
            RepositoryLayout layout = new RepositoryLayout("main");
            new WalArchive(store, layout, new StanzaStore(store, layout).requireIdentity())
                    .putStream(WalFileName.parse(name), segment, length);
        }
        try (java.util.stream.Stream<Path> made = Files.walk(repo.dir.resolve("repo"))) {
            for (Path p : (Iterable<Path>) made::iterator) {
                pgUser.own(p); // written by this process, as the receiver would as the postgres user
            }
        }
    }

    /** Writes {@code bytes} as the archived object of segment {@code name}, over what is there. */
    private static void storeAsArchived(TestRepo repo, OsUser pgUser, String name, byte[] bytes) throws Exception {
        try (EncodedStore store = new EncodedStore(repo.blobs(), CodecSpec.DEFAULT)) {
            store.put(new RepositoryLayout("main").walKey(WalFileName.parse(name)), out -> out.write(bytes));
        }
        pgUser.own(WalReceiveIT.walFile(repo, name)); // written by this process, read by pgvault as the postgres user
    }

    /**
     * A stream cut inside a segment's last record, on its last page, where the walk alone sees a
     * finished segment (that record's length reaches past the end): one of {@code finished} whose
     * last record goes on in the next, streamed (as wal-receive stores it) up to the earliest such
     * cut, archive-get's padded copy of it refused by archive-push. Returns that copy, in a
     * directory of its own under its segment's name.
     */
    private static Path streamCutInsideItsLastRecordIsRefused(TestRepo repo, PgvaultDist dist, OsUser pgUser, Path config,
            Path walDir, Path scratch, List<String> finished) throws Exception {
        for (int i = 0; i + 1 < finished.size(); i++) {
            byte[] whole = Files.readAllBytes(walDir.resolve(finished.get(i)));
            byte[] next = Files.readAllBytes(walDir.resolve(finished.get(i + 1)));
            if ((next[2] & 1) == 0) {
                continue; // its last record ends in it
            }
            for (int cut = (int) SEGMENT - 8192 + 24; cut < SEGMENT; cut += 8) {
                byte[] shortened = whole.clone();
                Arrays.fill(shortened, cut, shortened.length, (byte) 0);
                if (Arrays.equals(shortened, whole) || WalSegmentEnd.unfinishedAt(shortened).isPresent()) {
                    continue; // nothing cut, or a cut the walk sees
                }
                String name = finished.get(i);
                storeStream(repo, pgUser, name, whole, cut);
                Path dir = scratch.resolve("padded");
                Files.createDirectories(dir);
                pgUser.own(dir);
                Path served = dir.resolve(name);
                dist.run(pgUser, config, "archive-get", name, served.toString()).ok();
                assertArrayEquals(shortened, Files.readAllBytes(served), "archive-get pads the stream with zeros");
                // beside the next segment as PostgreSQL wrote it: the last record's CRC fails over the zeros
                Path beside = dir.resolve(finished.get(i + 1));
                Files.write(beside, next);
                pgUser.own(beside);
                Proc refused = dist.run(pgUser, config, "archive-push", served.toString());
                assertEquals(5, refused.exitCode(), "cut at " + cut + ": " + refused.stderr());
                assertTrue(refused.stderr().contains(name + " is not finished: its bytes stop at "), refused.stderr());
                assertFalse(Files.exists(WalReceiveIT.walFile(repo, name)), name + " stored from its padded copy");
                return served;
            }
        }
        throw new AssertionError("no segment of " + finished + " has a last record going on in the next one");
    }

    /**
     * The way such a file reaches archive-push: a standby with {@code archive_mode = always} that
     * replays the archive restores the segment in progress, which the repository holds only as
     * wal-receive's {@code .stream}, padded; PostgreSQL keeps it and archives it again. Refused, so
     * the primary's own push of the finished segment stores it, with no conflict.
     */
    @Test
    void aStandbyArchivingAStreamedSegmentAgainLeavesItToThePrimary() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "wal_keep_size = 1GB")) {
            Path config = archivingThroughPgvault(repo, pg, dist);
            Path standby = pg.base.resolve("standby");
            pg.client("pg_basebackup", "-D", standby.toString(), "-X", "stream", "-c", "fast").ok();
            int standbyPort = PgCluster.freePort();
            Path standbyConfig = repo.dir.resolve("standby.yaml");
            Files.writeString(standbyConfig, Files.readString(config).replace("port: " + pg.port, "port: " + standbyPort));
            pgUser.own(standbyConfig);
            String pgvault = dist.launcher() + " --config " + standbyConfig;
            // replaying the archive only, no primary_conninfo; archiving what it restores, as HA nodes do
            Files.writeString(standby.resolve("postgresql.auto.conf"), "port = " + standbyPort + "\narchive_mode = always\n"
                    + "archive_command = '" + pgvault + " archive-push %p'\nrestore_command = '" + pgvault
                    + " archive-get %f %p'\n", StandardOpenOption.APPEND);
            Files.createFile(standby.resolve("standby.signal"));
            pgUser.own(standby.resolve("standby.signal"));
            Path standbyLog = pg.base.resolve("standby.log");
            String current;
            try (WalReceiveIT.Receiver receiver = WalReceiveIT.Receiver.start(dist, pgUser, config,
                    pg.base.resolve("receiver.log"), List.of());
                    Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE beats (id int)");
                String before = value(st, "SELECT pg_walfile_name(pg_switch_wal())");
                WalArchivingIT.waitArchived(st, before, pg);
                st.execute("INSERT INTO beats SELECT generate_series(1, 1000)");
                current = value(st, "SELECT pg_walfile_name(pg_current_wal_lsn())");
                WalReceiveIT.awaitFlushed(st, receiver, "pgvault");
                Path walDir = WalReceiveIT.walFile(repo, current).getParent();
                try (java.util.stream.Stream<Path> stored = Files.list(walDir)) {
                    List<String> names = stored.map(p -> p.getFileName().toString()).sorted().toList();
                    assertTrue(names.stream().anyMatch(n -> n.startsWith(current + ".stream")),
                            "the receiver stored some of " + current + ": " + names);
                }

                Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-l",
                        standbyLog.toString(), "-w", "-t", "60", "start")).ok();
                try {
                    // the standby's archiver has tried it: stored (the bug) or refused
                    long deadline = System.currentTimeMillis() + 60_000;
                    try (Connection sc = RestoredCopy.connect(standbyPort); Statement ss = sc.createStatement()) {
                        while (!value(ss, "SELECT (" + quoted(current) + " IN (coalesce(last_archived_wal, ''),"
                                + " coalesce(last_failed_wal, '')))::text FROM pg_stat_archiver").equals("true")) {
                            assertTrue(System.currentTimeMillis() < deadline, "the standby did not archive " + current
                                    + " again:\n" + Files.readString(standbyLog));
                            Thread.sleep(200);
                        }
                    }
                    String log = Files.readString(standbyLog);
                    assertTrue(log.contains("restored log file \"" + current + "\" from archive"), log);
                    assertFalse(Files.exists(WalReceiveIT.walFile(repo, current)), "the standby's padded copy was stored as "
                            + current + ":\n" + log);
                    assertTrue(log.contains(current + " is not finished: its WAL stops at "), log);

                    // the primary finishes the segment: its push stores it, the standby's copy never was
                    st.execute("SELECT pg_switch_wal()");
                    WalArchivingIT.waitArchived(st, current, pg);
                    assertEquals("0", value(st, "SELECT failed_count FROM pg_stat_archiver"), pg.serverLog());
                    Path back = pg.base.resolve("back");
                    dist.run(pgUser, config, "archive-get", current, back.toString()).ok();
                    assertArrayEquals(Files.readAllBytes(pg.data.resolve("pg_wal").resolve(current)), Files.readAllBytes(back));
                } finally {
                    Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", standby.toString(), "-m",
                            "immediate", "stop"));
                }
            }
        }
    }

    /**
     * A standby with {@code archive_mode = always} cascading from a standby that is promoted closes
     * its copy of the old timeline's last segment at the switch point, zeros after it, and
     * archives it: the old timeline's true end, which the new timeline's history names. Stored.
     */
    @Test
    void aCopyCutAtItsTimelinesEndIsStored() throws Exception {
        assumeTrue(PgCluster.available(), "PostgreSQL 15 binaries not found in " + PgCluster.BIN);
        PgvaultDist dist = PgvaultDist.get();
        OsUser pgUser = OsUser.forPostgres();
        try (TestRepo repo = TestRepo.create(TestRepo.Kind.FS, false, pgUser);
                PgCluster pg = PgCluster.create("archive_mode = on", "wal_keep_size = 1GB", "hot_standby = on")) {
            Path config = archivingThroughPgvault(repo, pg, dist);
            Path first = standby(pg, pgUser, "first", pg.port, "");
            int firstPort = port(first);
            start(pgUser, first);
            Path second = null;
            try {
                // the second cascades from the first and archives what it receives
                Path secondConfig = repo.dir.resolve("second.yaml");
                second = standby(pg, pgUser, "second", firstPort, "");
                Files.writeString(secondConfig, Files.readString(config).replace("port: " + pg.port, "port: " + port(second)));
                pgUser.own(secondConfig);
                Files.writeString(second.resolve("postgresql.auto.conf"), "archive_mode = always\narchive_command = '"
                        + dist.launcher() + " --config " + secondConfig + " archive-push %p'\n", StandardOpenOption.APPEND);
                start(pgUser, second);
                String end;
                try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE beats (id int)");
                    st.execute("INSERT INTO beats SELECT generate_series(1, 1000)");
                    end = value(st, "SELECT pg_current_wal_lsn()::text");
                }
                try (Connection c = RestoredCopy.connect(port(second)); Statement st = c.createStatement()) {
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (!"true".equals(value(st, "SELECT (pg_last_wal_replay_lsn() >= '" + end + "')::text"))) {
                        assertTrue(System.currentTimeMillis() < deadline, "the second standby did not replay up to " + end);
                        Thread.sleep(100);
                    }
                }
                Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", pg.data.toString(), "-m",
                        "immediate", "stop")).ok();
                Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", first.toString(), "-w",
                        "promote")).ok();
                String lastOfOne = WalFileName.segmentName(1, lsn(end) / SEGMENT, SEGMENT);
                // the second follows timeline 2 and archives its copy of timeline 1's last segment
                Path status = second.resolve("pg_wal/archive_status");
                try (Connection c = RestoredCopy.connect(port(second)); Statement st = c.createStatement()) {
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (!Files.exists(status.resolve(lastOfOne + ".done"))
                            && "0".equals(value(st, "SELECT failed_count FROM pg_stat_archiver"))) {
                        assertTrue(System.currentTimeMillis() < deadline, lastOfOne + " not archived by the second standby ("
                                + (Files.exists(status.resolve(lastOfOne + ".ready")) ? "ready" : "not even marked ready")
                                + "):\n" + Files.readString(second.resolve("../second.log")));
                        Thread.sleep(200);
                    }
                    assertEquals("0", value(st, "SELECT failed_count FROM pg_stat_archiver"),
                            Files.readString(second.resolve("../second.log")));
                }
                byte[] copy = Files.readAllBytes(second.resolve("pg_wal").resolve(lastOfOne));
                Path back = pg.base.resolve("back");
                dist.run(pgUser, config, "archive-get", lastOfOne, back.toString()).ok();
                assertArrayEquals(copy, Files.readAllBytes(back), "the stored " + lastOfOne + " is the second standby's copy");
                assertTrue(WalSegmentEnd.unfinishedAt(copy).isPresent(),
                        "the copy stops before its end, at the switch point, zeros after it: what this test is about");
            } finally {
                for (Path d : second == null ? List.of(first) : List.of(first, second)) {
                    Proc.run(pgUser, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", d.toString(), "-m",
                            "immediate", "stop"));
                }
            }
        }
    }

    /** A standby of the server on {@code upstreamPort} by pg_basebackup, on a port of its own, not started. */
    private static Path standby(PgCluster pg, OsUser user, String name, int upstreamPort, String extra) throws Exception {
        Path dir = pg.base.resolve(name);
        Proc.run(user, List.of(PgCluster.BIN.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(upstreamPort), "-U", "postgres", "-D", dir.toString(), "-R", "-X", "stream", "-c", "fast")).ok();
        int port = PgCluster.freePort();
        Files.writeString(dir.resolve("postgresql.auto.conf"), "port = " + port + "\n" + extra, StandardOpenOption.APPEND);
        return dir;
    }

    private static int port(Path standby) throws Exception {
        String conf = Files.readString(standby.resolve("postgresql.auto.conf"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^port = (\\d+)$").matcher(conf);
        assertTrue(m.find(), conf);
        return Integer.parseInt(m.group(1));
    }

    private static void start(OsUser user, Path dir) {
        Proc.run(user, List.of(PgCluster.BIN.resolve("pg_ctl").toString(), "-D", dir.toString(), "-l",
                dir.resolveSibling(dir.getFileName() + ".log").toString(), "-w", "-t", "60", "start")).ok();
    }
}
