package dev.pgvault.archiver.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.wal.Lsn;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestJsonTest {

    static Manifest sample() {
        return new Manifest("20261126-031500F", BackupType.FULL, null,
                Instant.parse("2026-11-26T03:15:00.123456Z"), Instant.parse("2026-11-26T03:15:07Z"),
                Lsn.parse("0/2000028"), Lsn.parse("0/2000138"), 1,
                "000000010000000000000002", "000000010000000000000002",
                new ClusterIdentity(-1234567890123456789L, 150004, 16 * 1024 * 1024, Instant.EPOCH),
                true,
                "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nSTART TIMELINE: 1\nLABEL: pgvault \"x\"\n",
                "16499 /srv/ts one\n",
                List.of(new DirectoryEntry("base", 0700, null), new DirectoryEntry("pg_tblspc/16499", 0700, "/srv/ts one")),
                List.of(new FileEntry("PG_VERSION", 3, "ab12", 1_700_000_000L, 0600, "bundle/1", 0, List.of()),
                        new FileEntry("base/5/16384", 3L * 1024 * 1024 * 1024, "cd34", 1_700_000_001L, 0600,
                                "data/base/5/16384", 0, List.of(7L, 131073L)),
                        new FileEntry("postgresql.auto.conf", 0, "e3b0", 1_700_000_002L, 0644, null, 0, List.of()),
                        new FileEntry("pg_hba.conf", 10, "ef56", 1_700_000_003L, 0600, "bundle/1", 3, List.of())),
                List.of(new StoredObject("bundle/1", 13, 80, "0123"),
                        new StoredObject("data/base/5/16384", 3L * 1024 * 1024 * 1024, 12345, "4567")));
    }

    @Test
    void aManifestReadsBackEqual() throws Exception {
        Manifest m = sample();
        Manifest back = ManifestJson.read(new ByteArrayInputStream(ManifestJson.write(m)));
        assertEquals(m, back);
        assertEquals(null, back.files().get(2).object(), "an empty file has no object, not the text 'null'");
        assertEquals(2L, back.badPageCount());
        assertEquals(3L * 1024 * 1024 * 1024 + 13, back.sizeBytes());
        assertEquals(12425L, back.storedBytes());
    }

    @Test
    void nullLabelFieldsAndAnEmptyBackupReadBack() throws Exception {
        Manifest m = sample();
        Manifest bare = new Manifest(m.id(), m.type(), "20261125-000000F", m.startTime(), m.stopTime(), m.startLsn(),
                m.stopLsn(), 2, m.startWal(), m.stopWal(), m.cluster(), false, m.backupLabel(), null,
                List.of(), List.of(), List.of());
        assertEquals(bare, ManifestJson.read(new ByteArrayInputStream(ManifestJson.write(bare))));
    }
}
