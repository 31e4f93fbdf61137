package dev.pgvault.archiver.metrics;

import java.io.IOException;
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
 * repository (in its spool directory) that every archive-push call, the resident archiver and the
 * backup command append one line to ({@code push_ok 1796386234027}, {@code push_failed <ms>
 * <segment>}, {@code backup_failed.<type> <ms>}). An append of a few bytes is one write with
 * O_APPEND, whole, and needs no lock and no read: archive-push is on PostgreSQL's critical path
 * (rewriting the file under a lock cost each push about 30 ms, measured). Past 256 KiB the file
 * is folded into one {@code sum <kind> <count> <last ms> [detail]} line per kind.
 *
 * <p>Recording is best effort: a counter is not worth a failed archive-push, so an update that
 * cannot be made (no spool directory, one another user owns, a full disk) is dropped; the file is
 * not fsynced, and a line appended while the file is being folded may be lost.
 */
public final class HostCounters {
    static final String PUSH_OK = "push_ok";
    static final String PUSH_FAILED = "push_failed";
    static final String BACKUP_FAILED = "backup_failed.";
    static final long FOLD_AT = 256 * 1024;

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
     * The counters as recorded; empty when nothing was ever recorded here (a host that does not
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
        append(PUSH_OK + " " + at.toEpochMilli());
    }

    public void pushFailed(String segment, Instant at) {
        append(PUSH_FAILED + " " + at.toEpochMilli() + " " + segment.replaceAll("\\s", "_"));
    }

    /** {@code type}: full, diff or incr, as the backup was asked for. */
    public void backupFailed(String type, Instant at) {
        append(BACKUP_FAILED + type + " " + at.toEpochMilli());
    }

    private void append(String line) {
        try {
            Path dir = file.getParent();
            if (!Files.isDirectory(dir)) {
                if (!ownedByMe(dir.getParent())) {
                    return;
                }
                // the stanza's spool directory, as the resident archiver makes it: the PostgreSQL user's alone
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else if (!ownedByMe(dir)) {
                return;
            }
            Files.write(file, (line + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            if (Files.size(file) > FOLD_AT) {
                fold();
            }
        } catch (IOException | RuntimeException e) {
            // best effort, as said above
        }
    }

    /**
     * Only in a directory this user owns (or makes, inside one it owns): a command run as root by
     * mistake must not leave a root-owned directory or file in the PostgreSQL user's spool, which
     * would stop its archive-push, and its resident archiver, from using it. By uid, with two
     * stats: a user name would cost a lookup in the password database.
     */
    private static boolean ownedByMe(Path dir) throws IOException {
        return dir != null && Files.isDirectory(dir)
                && Files.getAttribute(dir, "unix:uid").equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    /** Folds are rare (one per several thousand records); threads of one process take turns. */
    private static final Object FOLDING = new Object();

    /** The file folded into one line per kind, replaced whole through a temporary name. */
    private void fold() throws IOException {
        synchronized (FOLDING) {
            if (Files.size(file) > FOLD_AT) { // not folded meanwhile by another thread
                foldNow();
            }
        }
    }

    private void foldNow() throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".fold-" + ProcessHandle.current().pid());
        Map<String, Snapshot.Kind> kinds = Snapshot.kinds(Files.readString(file, StandardCharsets.UTF_8));
        StringBuilder text = new StringBuilder();
        kinds.forEach((kind, k) -> text.append("sum ").append(kind).append(' ').append(k.count()).append(' ')
                .append(k.lastMillis()).append(k.detail() == null ? "" : " " + k.detail()).append('\n'));
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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

        /** One kind of event: how many, the latest one's time and detail. */
        record Kind(long count, long lastMillis, String detail) {}

        static Snapshot parse(String text) {
            Map<String, Kind> kinds = kinds(text);
            Kind ok = kinds.get(PUSH_OK);
            Kind failed = kinds.get(PUSH_FAILED);
            long backupFailures = 0;
            Map<String, Instant> backups = new TreeMap<>();
            for (Map.Entry<String, Kind> e : kinds.entrySet()) {
                if (e.getKey().startsWith(BACKUP_FAILED)) {
                    backupFailures += e.getValue().count();
                    backups.put(e.getKey().substring(BACKUP_FAILED.length()), Instant.ofEpochMilli(e.getValue().lastMillis()));
                }
            }
            return new Snapshot(ok == null ? 0 : ok.count(), failed == null ? 0 : failed.count(),
                    ok == null ? null : Instant.ofEpochMilli(ok.lastMillis()),
                    failed == null ? null : Instant.ofEpochMilli(failed.lastMillis()), failed == null ? null : failed.detail(),
                    backupFailures, backups);
        }

        /** Every line summed by kind; a line that cannot be read (a torn or foreign one) is skipped. */
        static Map<String, Kind> kinds(String text) {
            Map<String, Kind> kinds = new TreeMap<>();
            for (String line : text.split("\n")) {
                String[] f = line.strip().split(" ");
                try {
                    boolean sum = f[0].equals("sum");
                    int at = sum ? 1 : 0;
                    String kind = f[at];
                    long count = sum ? Long.parseLong(f[at + 1]) : 1;
                    long millis = Long.parseLong(f[at + (sum ? 2 : 1)]);
                    String detail = f.length > at + (sum ? 3 : 2) ? f[at + (sum ? 3 : 2)] : null;
                    if (!kind.matches("[a-z_]+(\\.[a-z]+)?") || count < 0) {
                        continue;
                    }
                    kinds.merge(kind, new Kind(count, millis, detail), (a, b) -> new Kind(a.count() + b.count(),
                            Math.max(a.lastMillis(), b.lastMillis()), b.lastMillis() >= a.lastMillis() ? b.detail() : a.detail()));
                } catch (RuntimeException torn) {
                    // skipped
                }
            }
            return kinds;
        }
    }
}
