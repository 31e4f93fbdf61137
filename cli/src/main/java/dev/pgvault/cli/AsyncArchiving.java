package dev.pgvault.cli;

import dev.pgvault.archiver.LockProbe;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.async.Spool;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * The call side of asynchronous archiving (archive.async: true): what an archive-push or
 * archive-get that reaches the JVM does so that the next calls need none. It makes sure the
 * resident archiver runs (started detached, by the launcher, with its output in the spool's
 * daemon.log) and leaves the launcher a pointer from this configuration file to the spool:
 * <pre>
 * /tmp/pgvault-&lt;$LOGNAME, or the uid&gt;/cfg&lt;absolute path of the configuration&gt;.async
 *     one line: the spool directory
 * </pre>
 * The launcher trusts the pointer only while it is newer than the configuration and the
 * pointer and the spool belong to the user running it; anything else goes to the JVM. The
 * resident archiver removes the pointer and exits as soon as its configuration file changes in
 * any way (even replaced by an older copy).
 */
final class AsyncArchiving {
    private AsyncArchiving() {}

    /** The stanza's spool, created; the pointer for the launcher written; the resident archiver started. */
    static Spool prepare(PgvaultConfig config, EncodedStore repo) throws IOException {
        Spool spool = Spool.of(config.archive().spool(), config.stanza(), repo.describe()).create();
        writePointer(config.source().toAbsolutePath(), spool.dir());
        ensureRunning(config, spool);
        return spool;
    }

    /**
     * Before recovery starts on a restored {@code pgdata}: tells the resident archiver where it
     * begins (backup_label's start segment), so that its first segments and history files are in
     * the spool before PostgreSQL asks for them. Best effort: a failure only costs the first calls
     * their JVM.
     */
    static void warmForRecovery(PgvaultConfig config, EncodedStore repo, Path pgdata) {
        if (!config.archive().async()) {
            return;
        }
        try {
            String label = Files.readString(pgdata.resolve("backup_label"), StandardCharsets.UTF_8);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(file ([0-9A-F]{24})\\)").matcher(label);
            if (!m.find()) {
                return;
            }
            WalFileName start = WalFileName.parse(m.group(1));
            Spool spool = prepare(config, repo);
            long segmentSize = new StanzaStore(repo, new RepositoryLayout(config.stanza())).requireIdentity().walSegmentSize();
            long n = start.segmentNumber(segmentSize);
            if (n > 0) {
                spool.writeRequested(WalFileName.segmentName(start.timeline(), n - 1, segmentSize));
            }
        } catch (IOException | RuntimeException e) {
            // the calls fetch it themselves
        }
    }

    /** Starts the resident archiver unless one holds the spool's lock; a second one started by a race exits at once. */
    static void ensureRunning(PgvaultConfig config, Spool spool) throws IOException {
        Optional<String> launcher = Detached.launcher();
        if (launcher.isEmpty()) {
            return; // in-process (tests): no launcher to start it with
        }
        if (LockProbe.held(spool.dir().resolve("daemon.lock"))) {
            if (spool.speaksThisProtocol()) {
                return; // running
            }
            spool.retireArchiver(); // another version's archiver, left from before an upgrade
        }
        Detached.start(launcher.get(), config, spool.dir(), spool.logFile(), Map.of(), "archive-async");
    }

    /**
     * Writes the launcher's pointer for {@code config}, unless one newer than the configuration
     * already says the same. It is written after the configuration was read, so it is newer than
     * it; an edit of the configuration makes it older, and the launcher then ignores it.
     */
    static void writePointer(Path config, Path spool) throws IOException {
        Path pointer = pointerFor(config);
        Path dir = pointer.getParent();
        Path top = pointerDir();
        if (!Files.isDirectory(top)) {
            Files.createDirectories(top);
            Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwx------"));
        }
        Object me = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (!me.equals(Files.getAttribute(top, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
            throw new IOException(top + " belongs to another user: no pointer for the launcher");
        }
        Files.createDirectories(dir);
        String text = spool.toAbsolutePath() + "\n";
        try {
            if (Files.readString(pointer, StandardCharsets.UTF_8).equals(text)
                    && Files.getLastModifiedTime(pointer).compareTo(Files.getLastModifiedTime(config)) > 0) {
                return;
            }
        } catch (IOException absent) {
            // written below
        }
        Path temp = dir.resolve("." + pointer.getFileName() + "." + ProcessHandle.current().pid());
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, pointer, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** "/tmp/pgvault-WHO/cfg/etc/pgvault/pgvault.yaml.async": the launcher builds it with no program run. */
    static Path pointerFor(Path config) throws IOException {
        return Path.of(pointerDir() + "/cfg" + config.toAbsolutePath() + ".async");
    }

    /** Removes the pointer: the launcher then sends every call to the JVM. */
    static void removePointer(Path config) throws IOException {
        Files.deleteIfExists(pointerFor(config));
    }

    /**
     * "/tmp/pgvault-$LOGNAME", or "/tmp/pgvault-UID" when LOGNAME is unset or odd: the user's
     * own directory of pointers, named as the launcher names it from the same environment (the
     * launcher execs this JVM). Its name costs the launcher no fork when LOGNAME is set.
     */
    static Path pointerDir() throws IOException {
        String who = System.getenv("LOGNAME");
        if (who == null || who.isEmpty() || !who.matches("[A-Za-z0-9._-]+")) {
            who = String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        }
        return Path.of("/tmp", "pgvault-" + who);
    }

}
