package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.wal.Lsn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small parts of a backup: its id, its label, its lock, the WAL it waits for. */
class BackupPiecesTest {

    @TempDir
    Path tmp;

    @Test
    void idsAreTheUtcStartSecondAndTheTypeLetter() {
        assertEquals("20261126-031500F", BackupId.of(Instant.parse("2026-11-26T03:15:00.999Z"), BackupType.FULL));
    }

    @Test
    void theLabelPostgresqlReturnsGivesTheStartAndTimeline() {
        String label = "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
                + "CHECKPOINT LOCATION: 0/2000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
                + "START TIME: 2026-11-26 03:15:00 UTC\nLABEL: pgvault 20261126-031500F\nSTART TIMELINE: 3\n";
        BackupLabel l = BackupLabel.parse(label);
        assertEquals(new BackupLabel(Lsn.parse("0/2000028"), "000000010000000000000002", 3), l);
        assertThrows(IllegalStateException.class, () -> BackupLabel.parse("LABEL: x\n"));
    }

    @Test
    void aSecondBackupOfTheStanzaIsRefusedUntilTheFirstEnds() throws Exception {
        Path file = BackupLock.lockFile(tmp, "main", "fs:/var/lib/pgvault");
        assertEquals(file, BackupLock.lockFile(tmp, "main", "fs:/var/lib/pgvault"));
        assertTrue(!file.equals(BackupLock.lockFile(tmp, "main", "s3://bucket/prefix")), "per repository");
        assertTrue(file.getFileName().toString().startsWith("pgvault-backup-main-"));
        try (BackupLock first = BackupLock.acquire(file, "process 1 since today")) {
            BackupLockedException e = assertThrows(BackupLockedException.class, () -> BackupLock.acquire(file, "second"));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("process 1 since today"), e.getMessage());
        }
        try (BackupLock again = BackupLock.acquire(file, "third")) {
            assertEquals("third\n", Files.readString(again.path()));
        }
    }

    @Test
    void aLockFileThatIsALinkIsNeverWrittenThrough() throws Exception {
        Path file = BackupLock.lockFile(tmp, "main", "fs:/var/lib/pgvault");
        Path victim = tmp.resolve("postgresql.conf");
        Files.writeString(victim, "port = 5432\n");
        Files.createSymbolicLink(file, victim);
        java.nio.file.FileSystemException e = assertThrows(java.nio.file.FileSystemException.class,
                () -> BackupLock.acquire(file, "a backup"));
        assertTrue(e.getMessage().contains("is a symbolic link (to " + victim + "): not followed"), e.getMessage());
        Files.delete(file);
        Files.createLink(file, victim); // a hard link: another name of the same file
        e = assertThrows(java.nio.file.FileSystemException.class, () -> BackupLock.acquire(file, "a backup"));
        assertTrue(e.getMessage().contains("has 2 names"), e.getMessage());
        assertEquals("port = 5432\n", Files.readString(victim), "never truncated nor written");
    }

    @Test
    void theWalABackupNeedsRunsFromItsStartToItsStopSegment() {
        long size = 16 * 1024 * 1024;
        assertEquals(List.of("000000010000000000000002"),
                WalArrival.segments("000000010000000000000002", "000000010000000000000002", size));
        assertEquals(List.of("0000000200000000000000FE", "0000000200000000000000FF", "000000020000000100000000"),
                WalArrival.segments("0000000200000000000000FE", "000000020000000100000000", size));
        // With 1 GiB segments a log file holds four.
        assertEquals(List.of("000000010000000000000003", "000000010000000100000000"),
                WalArrival.segments("000000010000000000000003", "000000010000000100000000", 1024L * 1024 * 1024));
    }
}
