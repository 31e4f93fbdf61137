package dev.pgvault.restore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a restored PGDATA is to start, written by the last step of every restore once all files are
 * restored and durable: the signal file, the lines appended to postgresql.auto.conf, and private
 * files those lines refer to (a passfile), written owner-only before them.
 *
 * <p>A point-in-time restore and a replica bootstrap differ only here: the first recovers from the
 * archive and ends ({@link Signal#RECOVERY}), the second stays a standby ({@link Signal#STANDBY}).
 *
 * @param writtenBy who wrote the settings, for the comment above them ("pgvault restore")
 * @param privateFiles file name in PGDATA (no directories) to its text; mode 0600
 */
public record RecoverySetup(Signal signal, List<String> settings, Map<String, String> privateFiles, String writtenBy) {

    /** The file whose presence tells PostgreSQL how to start. */
    public enum Signal {
        RECOVERY("recovery.signal"),
        STANDBY("standby.signal");

        public final String fileName;

        Signal(String fileName) {
            this.fileName = fileName;
        }
    }

    public RecoverySetup {
        settings = List.copyOf(settings);
        privateFiles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(privateFiles));
        for (String name : privateFiles.keySet()) {
            if (name.isEmpty() || name.contains("/") || name.startsWith(".") || RestorePlan.isNotRestored(name)) {
                throw new IllegalArgumentException("a private file is a plain file name in PGDATA, not '" + name + "'");
            }
        }
    }

    /** Archive recovery to the target the settings name: pgvault restore. */
    public static RecoverySetup recovery(List<String> settings) {
        return new RecoverySetup(Signal.RECOVERY, settings, Map.of(), "pgvault restore");
    }
}
