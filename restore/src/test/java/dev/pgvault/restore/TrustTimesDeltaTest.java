package dev.pgvault.restore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.restore.recovery.RecoveryOptions;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore --delta --trust-times}: a copy the last restore left untouched is brought to a
 * later backup judging its files from the earlier backup's manifest, and ends as a restore into an
 * empty directory writes; anything that rules the trust out makes every file read again.
 */
class TrustTimesDeltaTest {
    private static final String A = RestoreTest.ID;
    private static final String B = "20261127-031530F";
    private static final long MTIME = RestoreTest.MTIME;
    /** In both backups with the same bytes and time: a file the restore of A leaves that B holds too. */
    private static final String SAME_IN_BOTH = "base/5/16390_vm";

    @TempDir
    Path tmp;

    private EncodedStore repo;
    /** B restored into an empty directory: what every delta to B must equal. */
    private Path freshB;
    /** A restored into an empty directory, then left alone: the copy one backup behind. */
    private Path copy;

    @BeforeEach
    void twoBackupsAndACopyOfTheFirst() throws Exception {
        repo = new EncodedStore(new FsBlobStore(Files.createDirectories(tmp.resolve("repo"))), CodecSpec.DEFAULT);
        new StanzaStore(repo, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
        backup(A, RestoreTest.BIG, RestoreTest.bytes(5 << 20, 9), "port = 5432\n", 0).write();
        byte[] big = RestoreTest.BIG.clone();
        big[8192 * 100 + 17] ^= 1; // one block of the file alone
        byte[] split = RestoreTest.bytes(5 << 20, 9);
        split[(2 << 20) + 5] ^= 1; // the second of its three parts
        backup(B, big, split, "port = 5433\n", 3600).stoppedAt("2026-11-27T03:16:00Z", "0/5000100").write();
        freshB = tmp.resolve("fresh-b");
        restore(freshB, B, false, false);
        copy = tmp.resolve("copy");
        restore(copy, A, false, false);
    }

    /**
     * DeltaRestoreTest's backup; {@code changedBy} seconds later in B for the files that differ,
     * the others with A's times, as a backup of the same cluster records them.
     */
    private HandMadeBackup backup(String id, byte[] big, byte[] split, String conf, long changedBy) throws IOException {
        return new HandMadeBackup(repo, RestoreTest.LAYOUT, id)
                .dir("base", 0700).dir("base/5", 0700).dir("global", 0700)
                .dir("pg_wal", 0700).dir("pg_wal/archive_status", 0700).dir("pg_tblspc", 0700)
                .alone("base/5/16384", big, 0600, MTIME + changedBy)
                .split("base/5/16385", split, 2 << 20, 0600, MTIME - 7 + changedBy)
                .bundle(new HandMadeBackup.Small("PG_VERSION", "15\n".getBytes(UTF_8), 0600, MTIME - 100),
                        new HandMadeBackup.Small("global/pg_control", RestoreTest.CONTROL, 0600, MTIME - 1 + changedBy),
                        new HandMadeBackup.Small("postgresql.auto.conf", "work_mem = '64MB'\n".getBytes(UTF_8), 0600, MTIME - 2),
                        new HandMadeBackup.Small("postgresql.conf", conf.getBytes(UTF_8), 0640, MTIME - 3 + changedBy))
                // the same bytes, its time changed (touched): kept, and given B's time
                .bundle(new HandMadeBackup.Small("base/5/PG_VERSION", "15\n".getBytes(UTF_8), 0600, MTIME - 5 + changedBy),
                        new HandMadeBackup.Small(SAME_IN_BOTH, RestoreTest.bytes(8192, 4), 0600, MTIME - 6))
                .empty("base/5/16391", 0600, MTIME - 5);
    }

    private RestoreResult restore(Path pgdata, String backup, boolean delta, boolean trustTimes) throws Exception {
        return restore(repo, pgdata, backup, delta, trustTimes, TablespaceRemap.NONE);
    }

    /** A restore of {@code backup} (null: the newest) from {@code repo} into {@code pgdata}, to the end of the archive. */
    static RestoreResult restore(EncodedStore repo, Path pgdata, String backup, boolean delta, boolean trustTimes,
            TablespaceRemap remap) throws Exception {
        return new Restore(repo, RestoreTest.LAYOUT, 2, RestoreTest.CLOCK).run(new RestoreRequest(pgdata, backup,
                RecoveryOptions.endOfArchive(), RestoreTest.COMMAND, delta, ArchiveMode.PRESERVE, remap, trustTimes));
    }

    /** Changes a file's bytes, its size kept, and sets its time back to what the restore gave it. */
    private static void changeBehindItsTime(Path file) throws IOException {
        FileTime time = Files.getLastModifiedTime(file);
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 1;
        Files.write(file, b);
        Files.setLastModifiedTime(file, time);
    }

    @Test
    void aCopyTheLastRestoreLeftIsJudgedWithoutHashingAndEndsAsARestoreIntoAnEmptyDirectory() throws Exception {
        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertNull(r.delta().whyNoneTrusted(), r.toString());
        // judged: the file alone, the split file, PG_VERSION, postgresql.conf, base/5/PG_VERSION,
        // the _vm file and the empty one. Not: pg_control (deleted first, always written again) and
        // postgresql.auto.conf (the restore of A appended its settings to it)
        assertEquals(7, r.delta().notHashed(), r.toString());
        // written over: the file alone, the split file (its second part only), postgresql.conf and postgresql.auto.conf
        assertEquals(4, r.delta().patched(), r.toString());
        assertEquals(4, r.delta().kept(), r.toString());
        // written: the file alone, one part, and of the first bundle pg_control, postgresql.auto.conf and postgresql.conf
        long bundle = RestoreTest.CONTROL.length + "work_mem = '64MB'\n".length() + "port = 5433\n".length();
        assertEquals(RestoreTest.BIG.length + (2 << 20) + bundle, r.bytes(), r.toString());
    }

    @Test
    void aFileWhoseModeChangedSinceTheRestoreIsJudgedAndGivenTheBackupsModeBack() throws Exception {
        Files.setPosixFilePermissions(copy.resolve(SAME_IN_BOTH), java.nio.file.attribute.PosixFilePermissions.fromString(
                "rw-r--r--")); // its change time moves, its modification time does not

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals(7, r.delta().notHashed(), r.toString());
    }

    @Test
    void aFileWrittenSinceTheRestoreIsReadAndWrittenBack() throws Exception {
        Path file = copy.resolve(SAME_IN_BOTH);
        byte[] b = Files.readAllBytes(file);
        b[0] ^= 1;
        Files.write(file, b); // a write: its time is now's, not the backup's

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals(6, r.delta().notHashed(), r.toString());
        assertEquals(5, r.delta().patched(), r.toString());
    }

    @Test
    void aFileWrittenThenChangedInModeSinceTheRestoreIsReadAndWrittenBack() throws Exception {
        Path file = copy.resolve(SAME_IN_BOTH);
        byte[] b = Files.readAllBytes(file);
        b[0] ^= 1;
        Files.write(file, b);
        Thread.sleep(50); // file times tick by the kernel's coarse clock: a later tick for the change time
        // its change time moves past its modification time, which is the write's, not the backup's
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals(6, r.delta().notHashed(), r.toString());
    }

    @Test
    void aTimeSetBackByHandIsWhatItTrustsAndADeltaWithoutItFindsTheChange() throws Exception {
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));

        restore(copy, B, true, true);
        assertNotEquals(DeltaRestoreTest.tree(freshB).get(SAME_IN_BOTH), DeltaRestoreTest.tree(copy).get(SAME_IN_BOTH),
                "--trust-times does not read a file its restore left with this size and time: the option's blind spot");

        RestoreResult r = restore(copy, B, true, false);
        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals(0, r.delta().notHashed(), r.toString());
    }

    /**
     * A delta of the copy to B trusting times that takes nothing on trust: every file read, and
     * the copy then B's as a restore into an empty directory writes it. Why nothing was trusted.
     */
    private String deltaTrustingNothing() throws Exception {
        RestoreResult r = restore(copy, B, true, true);
        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals(0, r.delta().notHashed(), r.toString());
        return r.delta().whyNoneTrusted();
    }

    /**
     * What PostgreSQL does with a restored copy's label as it starts: renames it, unchanged; and
     * what a clean shutdown leaves in pg_control: the state "shut down".
     */
    private void startedByPostgresql() throws IOException {
        Files.move(copy.resolve("backup_label"), copy.resolve("backup_label.old"));
        controlState(1);
    }

    /** Writes pg_control's DBState (1: shut down, 6: in production), in the host's byte order as PostgreSQL does. */
    private void controlState(int state) throws IOException {
        controlState(copy, state);
    }

    private static void controlState(Path pgdata, int state) throws IOException {
        Path control = pgdata.resolve("global/pg_control");
        byte[] b = Files.readAllBytes(control);
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).putInt(16, state);
        Files.write(control, b);
    }

    @Test
    void aCopyStartedSinceItsRestoreIsJudgedByTheLabelPostgresqlRenamedAndWhatItWroteIsRead() throws Exception {
        startedByPostgresql();
        // a write by the started cluster: both its times are the moment of the write
        byte[] written = Files.readAllBytes(copy.resolve(SAME_IN_BOTH));
        written[100] ^= 1;
        Files.write(copy.resolve(SAME_IN_BOTH), written);

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertNull(r.delta().whyNoneTrusted(), r.toString());
        // the seven of a copy never started, but for the file written since
        assertEquals(6, r.delta().notHashed(), r.toString());
        assertTrue(Files.notExists(copy.resolve("backup_label.old")), "the delta removes the old label it judged by");
    }

    @Test
    void aBackupHoldingAnOldLabelAndMapHasThemLeftOutOfItsRestore() throws Exception {
        String c = "20261128-031500F";
        // a backup of a cluster that was itself restored by pgvault from A and started: its old label names A
        String label = Files.readString(copy.resolve("backup_label"));
        backup(c, RestoreTest.BIG, RestoreTest.bytes(5 << 20, 9), "port = 5432\n", 0)
                .bundle(new HandMadeBackup.Small("backup_label.old", label.getBytes(UTF_8), 0600, MTIME),
                        new HandMadeBackup.Small("tablespace_map.old", new byte[0], 0600, MTIME),
                        new HandMadeBackup.Small("pg_hba.conf", "local all all trust\n".getBytes(UTF_8), 0600, MTIME))
                .stoppedAt("2026-11-28T03:16:00Z", "0/7000100").write();
        Path fresh = tmp.resolve("fresh-c");

        RestoreResult r = restore(fresh, c, false, false);

        assertTrue(Files.notExists(fresh.resolve("backup_label.old")), "it would vouch for files C's restore wrote as A's");
        assertTrue(Files.notExists(fresh.resolve("tablespace_map.old")));
        assertEquals("local all all trust\n", Files.readString(fresh.resolve("pg_hba.conf")), "the rest of its bundle");
        assertTrue(r.skipped().containsAll(List.of("backup_label.old", "tablespace_map.old")), r.skipped().toString());
    }

    @Test
    void aStartedCopyThatDidNotShutDownCleanlyTrustsNothing() throws Exception {
        startedByPostgresql();
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH)); // as a page written just before a crash, its times not yet on disk
        controlState(6); // "in production": stopped by a crash, or -m immediate

        String why = deltaTrustingNothing();

        assertEquals("global/pg_control in " + copy.toAbsolutePath() + " says its cluster did not shut down cleanly (in"
                + " production): after a crash of the machine a write may be on disk without its times; start and stop it"
                + " cleanly first, or leave out --trust-times", why);
    }

    @Test
    void aStandbyShutDownInRecoveryIsTrusted() throws Exception {
        startedByPostgresql();
        controlState(2); // "shut down in recovery": a standby stopped with -m fast

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertNull(r.delta().whyNoneTrusted(), r.toString());
        assertEquals(7, r.delta().notHashed(), r.toString());
    }

    @Test
    void aPgControlTooShortToTellItsStateTrustsNothing() throws Exception {
        startedByPostgresql();
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));
        Files.write(copy.resolve("global/pg_control"), new byte[12]);

        String why = deltaTrustingNothing();

        assertEquals("global/pg_control in " + copy.toAbsolutePath() + " cannot be read as PostgreSQL's (shorter than 20"
                + " bytes, or unreadable): nothing says its cluster shut down cleanly", why);
    }

    @Test
    void aRestoreGivesItsLabelAndMapTheBackupsStartAsTheirTime() throws Exception {
        Path withMap = tmp.resolve("with-map");
        EncodedStore two = restoredWithTablespace(tmp.resolve("ts-stamp"), withMap);
        java.time.Instant start = new dev.pgvault.archiver.backup.BackupCatalog(two, RestoreTest.LAYOUT)
                .read(RestoreTest.ID).startTime();
        FileTime stamp = FileTime.from(start.getEpochSecond(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(stamp, Files.getLastModifiedTime(withMap.resolve("backup_label")));
        assertEquals(stamp, Files.getLastModifiedTime(withMap.resolve("tablespace_map")));
    }

    @Test
    void anOldLabelWrittenSinceTheRestoreVouchesForNothing() throws Exception {
        startedByPostgresql();
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));
        // pg_rewind copies a source's backup_label.old (its text word for word) and may stop with an error after
        Path old = copy.resolve("backup_label.old");
        Files.writeString(old, Files.readString(old));

        String why = deltaTrustingNothing();

        assertTrue(why.startsWith("backup_label.old in " + copy.toAbsolutePath() + " is not as the"
                + " restore of backup " + A + " wrote it (its time is "), why);
        assertTrue(why.endsWith("): written since (pg_rewind copies a source's), copied, or written"
                + " by an earlier pgvault, which did not give it the backup's time; it vouches for nothing"),
                why);
    }

    @Test
    void anOldLabelWithAnotherHardLinkVouchesForNothing() throws Exception {
        startedByPostgresql();
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));
        Files.createLink(tmp.resolve("another-name"), copy.resolve("backup_label.old"));

        String why = deltaTrustingNothing();

        assertTrue(why.contains("(it has another hard link)"), why);
    }

    @Test
    void aDirectoryNamedLikeTheOldLabelIsRemovedByTheDelta() throws Exception {
        Files.createDirectories(copy.resolve("backup_label.old/inside"));

        restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
    }

    @Test
    void aStartedCopyWithoutPgControlTrustsNothing() throws Exception {
        startedByPostgresql();
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));
        // what a delta restore stopped part-way leaves: it deletes pg_control before anything else
        Files.delete(copy.resolve("global/pg_control"));

        String why = deltaTrustingNothing();

        assertEquals("backup_label.old in " + copy.toAbsolutePath() + " is there but global/pg_control is not: the last"
                + " restore into it did not finish", why);
    }

    @Test
    void aBackupLabelOfAnotherToolDecidesAloneOverAnOldLabelOfPgvault() throws Exception {
        String label = Files.readString(copy.resolve("backup_label"));
        startedByPostgresql();
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));
        // pg_rewind writes a label of its own, and PostgreSQL renames it over the old one as it starts
        Files.writeString(copy.resolve("backup_label"), label.replace("LABEL: pgvault " + A, "LABEL: pg_rewind"));

        String why = deltaTrustingNothing();

        assertEquals("backup_label in " + copy.toAbsolutePath() + " is not of a pgvault backup", why);
    }

    @Test
    void aDeltaStoppedPartWayLeavesNoOldLabelToVouchForWhatItWrote() throws Exception {
        startedByPostgresql();
        Path missing;
        try (java.util.stream.Stream<Path> s = Files.walk(tmp.resolve("repo"))) {
            missing = s.filter(Files::isRegularFile).filter(f -> f.toString().contains(B))
                    .max(java.util.Comparator.comparingLong(f -> f.toFile().length())).orElseThrow();
        }
        Files.delete(missing); // B's largest object: the delta fails once it has changed the copy

        assertThrows(RestoreIncompleteException.class, () -> restore(copy, B, true, true));

        assertTrue(Files.notExists(copy.resolve("backup_label.old")), "deleted before anything changed");
        assertTrue(Files.notExists(copy.resolve("global/pg_control")));
        assertEquals("no backup_label or backup_label.old of a finished restore in " + copy.toAbsolutePath()
                + " (not restored by pgvault, or its last restore did not finish)",
                RestoredCopy.find(copy.toAbsolutePath(), id -> Optional.empty(), null).whyNone());
    }

    @Test
    void aBackupLabelThatIsNotTheNamedBackupsWordForWordTrustsNothing() throws Exception {
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));
        Path label = copy.resolve("backup_label");
        Files.writeString(label, Files.readString(label).replace("CHECKPOINT LOCATION: 0/2000060", "CHECKPOINT LOCATION: 0/2000061"));

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals(0, r.delta().notHashed(), r.toString());
        assertEquals("backup_label in " + copy.toAbsolutePath() + " is not backup " + A + "'s", r.delta().whyNoneTrusted());
    }

    @Test
    void aBackupLabelNamingABackupNoLongerInTheRepositoryTrustsNothing() throws Exception {
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));
        Path label = copy.resolve("backup_label");
        Files.writeString(label, Files.readString(label).replace(A, "20261101-000000F"));

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals("backup 20261101-000000F, which backup_label in " + copy.toAbsolutePath() + " names, is not in the"
                + " repository", r.delta().whyNoneTrusted());
    }

    @Test
    void aDeltaOntoTheBackupTheCopyHoldsReadsOnlyWhatItsRestoreWroteItself() throws Exception {
        RestoreResult r = restore(copy, A, true, true);

        assertEquals(7, r.delta().notHashed(), r.toString());
        assertEquals(7, r.delta().kept(), r.toString());
        assertEquals(1, r.delta().patched(), r.toString()); // postgresql.auto.conf, which holds the restore's settings
        // written: pg_control and postgresql.auto.conf, from their bundle
        assertEquals(RestoreTest.CONTROL.length + "work_mem = '64MB'\n".length(), r.bytes(), r.toString());
    }

    @Test
    void aFileWithAnotherHardLinkIsHashedAndItsOtherNameLeftAlone() throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createLink(outside, copy.resolve(SAME_IN_BOTH));
        changeBehindItsTime(outside); // through the other name: the same file

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals(6, r.delta().notHashed(), r.toString());
        assertNotEquals(HandMadeBackup.sha256(RestoreTest.bytes(8192, 4)), HandMadeBackup.sha256(Files.readAllBytes(outside)),
                "the other name keeps what was written through it: the copy's file was made anew, not written through");
    }

    @Test
    void aBackupLabelOfAnotherToolTrustsNothing() throws Exception {
        changeBehindItsTime(copy.resolve(SAME_IN_BOTH));
        Path label = copy.resolve("backup_label");
        Files.writeString(label, Files.readString(label).replace("LABEL: pgvault " + A, "LABEL: pg_basebackup base backup"));

        RestoreResult r = restore(copy, B, true, true);

        assertEquals(DeltaRestoreTest.tree(freshB), DeltaRestoreTest.tree(copy));
        assertEquals("backup_label in " + copy.toAbsolutePath() + " is not of a pgvault backup", r.delta().whyNoneTrusted());
    }

    /** RestoreTest's backup with a tablespace at {@code ts}, in a stanza of its own, restored into {@code data}. */
    private EncodedStore restoredWithTablespace(Path ts, Path data) throws Exception {
        EncodedStore two = new EncodedStore(new FsBlobStore(Files.createDirectories(tmp.resolve("repo2"))), CodecSpec.DEFAULT);
        new StanzaStore(two, RestoreTest.LAYOUT).init(RestoreTest.CLUSTER);
        RestoreTest.fullBackup(two, ts).write();
        restore(two, data, null, false, false, TablespaceRemap.NONE);
        return two;
    }

    private static RestoreResult deltaTrustingTimes(EncodedStore repo, Path data, TablespaceRemap remap) throws Exception {
        return restore(repo, data, null, true, true, remap);
    }

    /** A copy of {@code from} at {@code to}, times kept (as {@code cp -p} keeps them), one file changed behind its time. */
    private static void copyWithAFileChangedBehindItsTime(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        changeBehindItsTime(to.resolve("PG_15_202209061/5/16401"));
    }

    /**
     * Files judged in RestoreTest's backup brought onto itself: the file alone, PG_VERSION,
     * postgresql.conf, the tablespace's file and the empty one; not pg_control (deleted first) nor
     * postgresql.auto.conf (holding the restore's settings).
     */
    private static final int JUDGED_WITH_TABLESPACE = 5;

    @Test
    void theFilesOfATablespaceTheRestoreWroteAreJudgedToo() throws Exception {
        Path ts = tmp.resolve("ts");
        Path data = tmp.resolve("with-ts");
        EncodedStore two = restoredWithTablespace(ts, data);
        java.util.TreeMap<String, String> restored = DeltaRestoreTest.tree(ts);

        RestoreResult r = deltaTrustingTimes(two, data, TablespaceRemap.NONE);

        assertEquals(restored, DeltaRestoreTest.tree(ts));
        assertEquals(JUDGED_WITH_TABLESPACE, r.delta().notHashed(), r.toString());
    }

    /** A copy with a tablespace, restored into {@code data} and started since: its label and map renamed, pg_control "shut down". */
    private EncodedStore startedWithTablespace(Path ts, Path data) throws Exception {
        EncodedStore two = restoredWithTablespace(ts, data);
        Files.move(data.resolve("backup_label"), data.resolve("backup_label.old"));
        Files.move(data.resolve("tablespace_map"), data.resolve("tablespace_map.old"));
        controlState(data, 1);
        return two;
    }

    @Test
    void aStartedCopyWithATablespaceIsJudgedByTheMapPostgresqlRenamed() throws Exception {
        Path data = tmp.resolve("with-ts");
        EncodedStore two = startedWithTablespace(tmp.resolve("ts"), data);

        RestoreResult r = deltaTrustingTimes(two, data, TablespaceRemap.NONE);

        assertEquals(JUDGED_WITH_TABLESPACE, r.delta().notHashed(), r.toString());
    }

    /** An old map written since the restore (not as it wrote it): the tablespace's files are hashed, the data directory's judged. */
    @Test
    void anOldMapWrittenSinceTheRestoreTrustsNoTablespace() throws Exception {
        Path data = tmp.resolve("with-ts");
        EncodedStore two = startedWithTablespace(tmp.resolve("ts"), data);
        Path map = data.resolve("tablespace_map.old");
        Files.writeString(map, Files.readString(map));

        RestoreResult r = deltaTrustingTimes(two, data, TablespaceRemap.NONE);

        assertNull(r.delta().whyNoneTrusted(), r.toString());
        assertTrue(r.delta().notHashed() > 0 && r.delta().notHashed() < JUDGED_WITH_TABLESPACE, r.toString());
    }

    /**
     * The restore vouches for the tablespace location it wrote: a link pointed by hand at another
     * copy of it (its times kept, as {@code cp -p} keeps them) leads to files that are hashed.
     */
    @Test
    void aTablespaceLinkPointedElsewhereByHandLeadsToFilesThatAreHashed() throws Exception {
        Path ts = tmp.resolve("ts");
        Path data = tmp.resolve("with-ts");
        EncodedStore two = restoredWithTablespace(ts, data);
        java.util.TreeMap<String, String> restoredTs = DeltaRestoreTest.tree(ts);
        Path other = tmp.resolve("other");
        copyWithAFileChangedBehindItsTime(ts, other);
        Path link = data.resolve("pg_tblspc/16400");
        Files.delete(link);
        Files.createSymbolicLink(link, other);

        RestoreResult r = deltaTrustingTimes(two, data, TablespaceRemap.parse(List.of("16400=" + other), null));

        assertEquals(restoredTs, DeltaRestoreTest.tree(other));
        assertEquals(JUDGED_WITH_TABLESPACE - 1, r.delta().notHashed(), r.toString());
    }

    /** A location reached through a link above it: that link may be pointed elsewhere, so its files are hashed. */
    @Test
    void aTablespaceBehindALinkedDirectoryIsHashed() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path parent = Files.createSymbolicLink(tmp.resolve("parent"), real);
        Path ts = parent.resolve("ts");
        Path data = tmp.resolve("with-ts");
        EncodedStore two = restoredWithTablespace(ts, data);
        java.util.TreeMap<String, String> restoredTs = DeltaRestoreTest.tree(ts);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        copyWithAFileChangedBehindItsTime(ts, elsewhere.resolve("ts"));
        Files.delete(parent);
        Files.createSymbolicLink(parent, elsewhere);

        RestoreResult r = deltaTrustingTimes(two, data, TablespaceRemap.NONE);

        assertEquals(restoredTs, DeltaRestoreTest.tree(ts));
        assertEquals(JUDGED_WITH_TABLESPACE - 1, r.delta().notHashed(), r.toString());
    }

    @Test
    void trustingTimesIsOnlyForADeltaRestore() {
        assertThrows(IllegalArgumentException.class, () -> new RestoreRequest(copy, B, RecoveryOptions.endOfArchive(),
                RestoreTest.COMMAND, false, ArchiveMode.PRESERVE, TablespaceRemap.NONE, true));
    }
}
