package dev.pgvault.archiver.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.metrics.RepositoryFigures;
import dev.pgvault.archiver.metrics.StanzaMetrics;
import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.storage.codec.CodecSpec;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.fs.FsBlobStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A receiver's status goes through the repository to info and metrics on any host. */
class ReceiverStatusTest {
    @TempDir
    Path dir;

    /** The lag's other end comes from pgjdbc's stream object: a pgjdbc without it must fail here, not go quiet. */
    @Test
    void theServersWalEndCanBeReadFromThisPgjdbc() {
        assertTrue(WalReceiver.serverEndReadable());
    }

    @Test
    void aDamagedStatusHidesNoOther() throws Exception {
        RepositoryLayout layout = new RepositoryLayout("main");
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            ReceiverStatus good = new ReceiverStatus("pgvault", 1, Lsn.parse("0/1000000"), Lsn.parse("0/1000000"),
                    Lsn.parse("0/1000000"), true, Instant.parse("2026-12-04T10:00:00Z"));
            good.store(repo, layout);
            repo.put(layout.receiverKey("broken"), out -> out.write("{\"name\": ".getBytes()));
            assertEquals(List.of(good), ReceiverStatus.readAll(repo, layout));
        }
    }

    @Test
    void statusesComeBackNewestFirstAndBecomeMetrics() throws Exception {
        RepositoryLayout layout = new RepositoryLayout("main");
        try (EncodedStore repo = new EncodedStore(new FsBlobStore(dir), CodecSpec.DEFAULT)) {
            ReceiverStatus old = new ReceiverStatus("pgvault-node/1", 1, Lsn.parse("0/5000000"), Lsn.parse("0/5000000"),
                    Lsn.parse("0/5000000"), false, Instant.parse("2026-12-04T10:00:00Z"));
            ReceiverStatus now = new ReceiverStatus("pgvault", 2, Lsn.parse("0/9000100"), Lsn.parse("0/9000000"),
                    Lsn.parse("0/9200000"), true, Instant.parse("2026-12-04T10:05:00Z"));
            old.store(repo, layout);
            now.store(repo, layout);
            assertEquals(List.of(now, old), ReceiverStatus.readAll(repo, layout));
            assertEquals(0x200000, now.lagBytes());
            assertTrue(layout.receiverKey("pgvault-node/1").endsWith("/receiver/pgvault-node_1.json"));

            RepositoryFigures figures = new RepositoryFigures(List.of(), java.util.Map.of(), 0, null, null, null, null, 0, List.of(now));
            String text = StanzaMetrics.render("main", figures, Optional.empty(), OptionalLong.empty());
            assertTrue(text.contains("pgvault_wal_receive_lag_bytes{stanza=\"main\",name=\"pgvault\"} 2097152\n"), text);
            assertTrue(text.contains("pgvault_wal_receive_connected{stanza=\"main\",name=\"pgvault\"} 1\n"), text);
        }
    }
}
