package dev.pgvault.restore;

import dev.pgvault.archiver.backup.Manifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Set;

/**
 * The last step of a restore, run only when every file is restored and durable: the setup's
 * private files, backup_label and tablespace_map from the manifest, the settings in
 * postgresql.auto.conf, global/pg_control renamed into place, and the signal file last of all. Each is fsynced before the next, so a
 * crash part-way leaves a directory PostgreSQL refuses to start rather than one it starts wrongly.
 */
final class RecoveryFiles {
    static final String BACKUP_LABEL = "backup_label";
    static final String TABLESPACE_MAP = "tablespace_map";
    static final String AUTO_CONF = "postgresql.auto.conf";

    private RecoveryFiles() {}

    static void write(Path pgdata, Manifest manifest, RecoverySetup setup, String header) throws IOException {
        for (Map.Entry<String, String> f : setup.privateFiles().entrySet()) {
            Path file = pgdata.resolve(f.getKey());
            write(file, f.getValue());
            Files.setPosixFilePermissions(file, Modes.of(Modes.OWNER_ONLY_FILE)); // even over a restored file of that name
        }
        // each with a time of the restore's own, which PostgreSQL's rename to backup_label.old and
        // tablespace_map.old keeps and any write replaces: see RestoredLabel
        writeStamped(pgdata.resolve(BACKUP_LABEL), manifest.backupLabel(), manifest);
        if (manifest.tablespaceMap() != null) {
            writeStamped(pgdata.resolve(TABLESPACE_MAP), manifest.tablespaceMap(), manifest);
        }
        Path auto = pgdata.resolve(AUTO_CONF);
        String existing = Files.exists(auto) ? Files.readString(auto) : "";
        write(auto, AutoConf.withRecovery(existing, setup.settings(), header));
        // the label durable before pg_control is: a directory with pg_control and without its
        // label would start as if it were no restore, from the wrong checkpoint
        FileSyncer.sync(pgdata);

        Path staged = pgdata.resolve(RestorePlan.writePath(RestorePlan.PG_CONTROL));
        if (Files.exists(staged)) {
            Path control = pgdata.resolve(RestorePlan.PG_CONTROL);
            Files.move(staged, control, StandardCopyOption.ATOMIC_MOVE);
            FileSyncer.sync(control.getParent());
        }
        FileSyncer.sync(pgdata);

        write(pgdata.resolve(setup.signal().fileName), "");
        FileSyncer.sync(pgdata);
    }

    /** {@link #write}, the file's time {@link RestoredLabel#stamp} of {@code manifest}. */
    private static void writeStamped(Path file, String text, Manifest manifest) throws IOException {
        write(file, text, RestoredLabel.stamp(manifest));
    }

    /** Writes a small file (new ones owner-only; a rewritten one keeps its mode) and fsyncs it. */
    private static void write(Path file, String text) throws IOException {
        write(file, text, null);
    }

    /** {@link #write(Path, String)}, given the time {@code time} before the fsync (none: the write's). */
    private static void write(Path file, String text, FileTime time) throws IOException {
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), Modes.attribute(Modes.OWNER_ONLY_FILE))) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            if (time != null) {
                Files.setLastModifiedTime(file, time); // made durable by the fsync with the bytes
            }
            ch.force(true);
        }
    }
}
