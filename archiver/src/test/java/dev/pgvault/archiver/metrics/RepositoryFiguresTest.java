package dev.pgvault.archiver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupType;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.ManifestJson;
import dev.pgvault.archiver.backup.ManifestJsonTest;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A scrape's backup sizes: from the newest backup's header, or its lists when it was written before the header had them. */
class RepositoryFiguresTest {
    private static final RepositoryLayout LAYOUT = new RepositoryLayout("main");

    @TempDir
    Path tmp;

    @Test
    void theNewestBackupsSizesComeFromItsHeaderOrFromItsListsWhenWrittenWithout() throws Exception {
        EncodedStore repo = new EncodedStore(new FsBlobStore(tmp), CodecSpec.DEFAULT);
        Manifest older = ManifestJsonTest.sample();
        new StanzaStore(repo, LAYOUT).init(older.cluster());
        Manifest newer = new Manifest("20261127-031500F", BackupType.FULL, null, older.startTime().plusSeconds(86400),
                older.stopTime().plusSeconds(86400), older.startLsn(), older.stopLsn(), older.timeline(), older.startWal(),
                older.stopWal(), older.cluster(), true, older.backupLabel(), null, older.directories(),
                older.files().subList(0, 2), older.objects());
        repo.put(LAYOUT.manifestKey(older.id()), BlobWriter.of(ManifestJson.write(older)));
        repo.put(LAYOUT.manifestKey(newer.id()), BlobWriter.of(ManifestJson.write(newer)));

        RepositoryFigures figures = RepositoryFigures.read(repo, LAYOUT);
        assertEquals(List.of(older.id(), newer.id()), figures.backups().stream().map(h -> h.id()).toList());
        assertEquals(newer.totals(), figures.newestOfType().get(BackupType.FULL).totals());

        repo.put(LAYOUT.manifestKey(newer.id()), BlobWriter.of(ManifestJsonTest.withoutTotals(
                new String(ManifestJson.write(newer), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
        figures = RepositoryFigures.read(repo, LAYOUT);
        assertEquals(null, figures.backups().get(1).totals(), "the header read has none");
        assertEquals(newer.totals(), figures.newestOfType().get(BackupType.FULL).totals(), "summed from its lists");
    }
}
