package dev.pgvault.archiver.metrics;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What happened on this host that the repository cannot tell: archive-push successes and failures
 * and when, and failed backups, for {@code pgvault metrics}. One small text file per stanza and
 * repository (in its spool directory), a {@code key value} line each, updated under a lock by
 * every archive-push call, the resident archiver and the backup command, and replaced whole
 * through a temporary name so that a reader never sees half of it.
 *
 * <p>Recording is best effort: a counter is not worth a failed archive-push, so an update that
 * cannot be made (no spool directory, one another user owns, a full disk) is dropped, and the
 * file is not fsynced (a crash may lose the last few counts, never the WAL).
 */
public final class HostCounters {
    static final String PUSH_OK = "archive_push_success_total";
    static final String PUSH_FAILED = "archive_push_failures_total";
    static final String PUSH_OK_AT = "archive_push_last_success_time";
    static final String PUSH_FAILED_AT = "archive_push_last_failure_time";
    static final String PUSH_FAILED_SEGMENT = "archive_push_last_failure_segment";
    static final String BACKUP_FAILED = "backup_failures_total";
    static final String BACKUP_FAILED_AT = "backup_last_failure_time.";

    private final Path file;

    private HostCounters(Path file) {
        this.file = file;
    }

    public static HostCounters at(Path file) {
        return new HostCounters(file);
    }

    public Path file() {
        return file;
    }

    /**
     * The counters as last written; empty when nothing was ever recorded here (a host that does not
     * push, or whose spool directory cannot be written).
     */
    public Optional<Snapshot> read() throws IOException {
        try {
            return Optional.of(Snapshot.parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    public void pushSucceeded(Instant at) {
        update(values -> {
            increment(values, PUSH_OK);
            values.put(PUSH_OK_AT, seconds(at));
        });
    }

    public void pushFailed(String segment, Instant at) {
        update(values -> {
            increment(values, PUSH_FAILED);
            values.put(PUSH_FAILED_AT, seconds(at));
            values.put(PUSH_FAILED_SEGMENT, segment.replaceAll("\\s", "_"));
        });
    }

    /** {@code type}: full, diff or incr, as the backup was asked for. */
    public void backupFailed(String type, Instant at) {
        update(values -> {
            increment(values, BACKUP_FAILED);
            values.put(BACKUP_FAILED_AT + type, seconds(at));
        });
    }

    private interface Change {
        void apply(Map<String, String> values);
    }

    /** A file lock excludes other processes only: threads of this one (the archiver's workers) queue here. */
    private static final Object IN_PROCESS = new Object();

    private void update(Change change) {
        synchronized (IN_PROCESS) {
            updateLocked(change);
        }
    }

    /**
     * Only in a directory this user owns (or makes, inside one it owns): a command run as root by
     * mistake must not leave a root-owned directory, lock or file in the PostgreSQL user's spool,
     * which would stop its archive-push, and its resident archiver, from using it.
     */
    private boolean ours() throws IOException {
        Path dir = file.getParent();
        Path where = Files.isDirectory(dir) ? dir : dir.getParent();
        return where != null && Files.isDirectory(where)
                && Files.getOwner(where).getName().equals(System.getProperty("user.name"));
    }

    private void updateLocked(Change change) {
        try {
            if (!ours()) {
                return;
            }
            if (!Files.isDirectory(file.getParent())) {
                // the stanza's spool directory, as the resident archiver makes it: the PostgreSQL user's alone
                Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            Path lock = file.resolveSibling(file.getFileName() + ".lock");
            try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock held = channel.lock()) {
                Map<String, String> values = new TreeMap<>();
                try {
                    values.putAll(Snapshot.lines(Files.readString(file, StandardCharsets.UTF_8)));
                } catch (NoSuchFileException first) {
                    // the first record on this host
                }
                change.apply(values);
                StringBuilder text = new StringBuilder();
                values.forEach((k, v) -> text.append(k).append(' ').append(v).append('\n'));
                Path temp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                        + "-" + Thread.currentThread().getId());
                Files.writeString(temp, text, StandardCharsets.UTF_8);
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            // best effort, as said above
        }
    }

    private static void increment(Map<String, String> values, String key) {
        long n;
        try {
            n = Long.parseLong(values.getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            n = 0;
        }
        values.put(key, Long.toString(n + 1));
    }

    private static String seconds(Instant at) {
        return at.getEpochSecond() + "." + String.format(java.util.Locale.ROOT, "%03d", at.getNano() / 1_000_000);
    }

    /**
     * The counters at one moment. Times are null when the event never happened here.
     *
     * @param lastBackupFailure per backup type (full, diff, incr), when it last failed
     */
    public record Snapshot(long pushSuccesses, long pushFailures, Instant lastPushSuccess, Instant lastPushFailure,
            String lastFailedSegment, long backupFailures, Map<String, Instant> lastBackupFailure) {

        public Snapshot {
            lastBackupFailure = Map.copyOf(lastBackupFailure);
        }

        static Snapshot parse(String text) {
            Map<String, String> v = lines(text);
            Map<String, Instant> backups = new TreeMap<>();
            v.forEach((k, value) -> {
                if (k.startsWith(BACKUP_FAILED_AT)) {
                    Instant at = time(value);
                    if (at != null) {
                        backups.put(k.substring(BACKUP_FAILED_AT.length()), at);
                    }
                }
            });
            return new Snapshot(count(v.get(PUSH_OK)), count(v.get(PUSH_FAILED)), time(v.get(PUSH_OK_AT)),
                    time(v.get(PUSH_FAILED_AT)), v.get(PUSH_FAILED_SEGMENT), count(v.get(BACKUP_FAILED)), backups);
        }

        static Map<String, String> lines(String text) {
            Map<String, String> values = new TreeMap<>();
            for (String line : text.split("\n")) {
                int space = line.indexOf(' ');
                if (space > 0) {
                    values.put(line.substring(0, space), line.substring(space + 1).strip());
                }
            }
            return values;
        }

        private static long count(String value) {
            try {
                return value == null ? 0 : Math.max(0, Long.parseLong(value));
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        private static Instant time(String value) {
            try {
                return value == null ? null
                        : Instant.ofEpochMilli(Math.round(Double.parseDouble(value) * 1000));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
