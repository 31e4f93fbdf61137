package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.backup.BackupLock;
import dev.pgvault.archiver.backup.BackupLockedException;
import dev.pgvault.archiver.backup.BaseBackup;
import dev.pgvault.archiver.expire.BackupVerdict;
import dev.pgvault.archiver.expire.Expire;
import dev.pgvault.archiver.expire.ExpireOptions;
import dev.pgvault.archiver.expire.ExpireReport;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Set;

/** An expire as {@code expire} and {@code backup} run it: guarded by the stanza's lock, reported a line per removal. */
final class ExpireRun {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);
    /** How long to wait for a backup that took the lock to name its id (its first steps take well under a second). */
    private static final long STARTING_WAIT_MS = 10_000;

    private ExpireRun() {}

    /**
     * The stanza's lock on this host taken for the expire, or, while a backup of this host holds
     * it, that backup's id: the expire then runs beside it and leaves its objects alone.
     */
    record Guard(BackupLock lock, String runningBackup) implements AutoCloseable {
        Set<String> running() {
            return runningBackup == null ? Set.of() : Set.of(runningBackup);
        }

        @Override
        public void close() throws IOException {
            if (lock != null) {
                lock.close();
            }
        }
    }

    static Guard guard(EncodedStore repo, RepositoryLayout layout) throws IOException {
        Path file = BackupLock.lockFile(Path.of(System.getProperty("java.io.tmpdir")), layout.stanza(), repo.describe());
        long deadline = System.nanoTime() + STARTING_WAIT_MS * 1_000_000;
        while (true) {
            Optional<BackupLock> lock = BackupLock.tryAcquire(file, "expire, process " + ProcessHandle.current().pid());
            if (lock.isPresent()) {
                return new Guard(lock.get(), null);
            }
            String holder = BackupLock.holderOf(file);
            Optional<String> backup = BaseBackup.runningId(holder);
            if (backup.isPresent()) {
                return new Guard(null, backup.get());
            }
            if (!holder.startsWith("backup starting") || System.nanoTime() > deadline) {
                throw new BackupLockedException("another expire of the stanza is running, or a backup that will not name"
                        + " itself: lock " + file + " is held" + (holder.isEmpty() ? "" : " by " + holder));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("expire interrupted while a backup started");
            }
        }
    }

    /** Runs an expire whose caller holds the stanza's lock, or leaves {@code running} alone. */
    static ExpireReport run(EncodedStore repo, RepositoryLayout layout, ExpireOptions options, Set<String> running,
            boolean verbose) throws IOException {
        return new Expire(repo, layout, options, verbose ? line -> System.err.println("pgvault: expire: " + line)
                : line -> { }).run(running);
    }

    /** One line per backup removed with its reason, the WAL per timeline, the garbage, then a summary. */
    static void print(ExpireReport r, PrintStream out) {
        for (ExpireReport.ExpiredBackup e : r.expired()) {
            out.println("expired " + e.verdict().backup().id() + ": " + e.verdict().reason());
        }
        for (ExpireReport.WalRange w : r.wal()) {
            out.println("removed WAL of timeline " + w.timeline() + ": " + (w.first().equals(w.last()) ? w.first()
                    : w.first() + " .. " + w.last()) + " (" + w.files() + (w.files() == 1 ? " file, " : " files, ")
                    + Sizes.human(w.storedBytes()) + ")");
        }
        for (ExpireReport.Garbage g : r.garbage()) {
            out.println("removed incomplete backup " + g.id() + " (" + g.objects() + " objects without a manifest, last"
                    + " written " + TIME.format(g.lastWritten()) + ")");
        }
        for (ExpireReport.Garbage g : r.garbageLeft()) {
            out.println("left incomplete backup " + g.id() + ": " + (g.running() ? "it is running on this host"
                    : "written to at " + TIME.format(g.lastWritten()) + ", within garbage-age (a backup may still be"
                            + " running on another host)"));
        }
        long kept = r.verdicts().stream().filter(BackupVerdict::keep).count();
        String summary = (r.policy().isSet() ? "retention " + r.policy().describe()
                : "no retention set (retention.full or retention.window, or --retention-full or --retention-window):"
                        + " only incomplete backups are removed")
                + "; " + r.expired().size() + " expired, " + kept + " kept; " + Sizes.human(r.bytesFreed()) + " freed";
        out.println(r.dryRun() ? "dry run, nothing removed: " + summary.replace(" freed", " would be freed") : summary);
    }
}
