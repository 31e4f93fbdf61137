package dev.pgvault.cli;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.TemporaryFile;
import dev.pgvault.archiver.WalArchive;
import dev.pgvault.archiver.async.Spool;
import dev.pgvault.archiver.metrics.HostCounters;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * archive-push and archive-get, shared by the picocli commands and the launcher's fast path
 * ({@link FastPath}), which runs them without loading picocli.
 */
final class WalCommands {
    private WalCommands() {}

    static int push(PgvaultConfig config, String file, PrintStream err) throws IOException, ConfigException {
        Path path = Path.of(file);
        handedOver(path.getFileName().toString()); // a bad name is refused before any I/O
        if (!Files.isRegularFile(path)) {
            throw new UserError(ExitCode.USAGE, "archive-push: " + file + " is not a file");
        }
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            HostCounters counters = counters(config, repo);
            try {
                Spool spool = config.archive().async() ? asyncSpool(config, repo, err) : null;
                if (spool != null) {
                    spool.writeWalDir(path.toAbsolutePath().getParent());
                    if (spool.speaksThisProtocol() && spool.pushed(path)) {
                        return ExitCode.OK.code; // the resident archiver pushed it, durably, and counted it
                    }
                }
                // Not done yet: pushed here, as the synchronous path does; never a weaker promise.
                WalArchive archive = archive(config, repo);
                WalArchive.PushOutcome outcome = archive.push(path);
                if (outcome == WalArchive.PushOutcome.ALREADY_STORED && spool == null) {
                    err.println("pgvault: warning: " + path.getFileName()
                            + " is already archived with the same content; nothing to do");
                } else if (outcome == WalArchive.PushOutcome.FINISHED_ALREADY_STORED && spool == null) {
                    err.println("pgvault: warning: " + path.getFileName() + " stops short (zeros after its WAL) and"
                            + " the finished segment it begins is already archived; nothing to do");
                }
            } catch (Exception | Error e) {
                counters.pushFailed(path.getFileName().toString(), Instant.now());
                throw e;
            }
            counters.pushSucceeded(Instant.now());
        }
        return ExitCode.OK.code;
    }

    /** A name PostgreSQL hands over: never a .stream object, which only wal-receive writes. */
    private static WalFileName handedOver(String name) {
        WalFileName wal = WalFileName.parse(name);
        if (wal.kind() == WalFileKind.STREAM || wal.kind() == WalFileKind.STREAM_PART) {
            throw new IllegalArgumentException("not a WAL file name PostgreSQL hands over: '" + name
                    + "' (.stream objects are written by wal-receive only)");
        }
        return wal;
    }

    /** This host's counters for the stanza and repository (in its spool directory, async or not). */
    static HostCounters counters(PgvaultConfig config, EncodedStore repo) {
        return Spool.of(config.archive().spool(), config.stanza(), repo.describe()).counters();
    }

    static int get(PgvaultConfig config, String name, String dest, PrintStream err) throws IOException, ConfigException {
        WalFileName wal = handedOver(name);
        try (EncodedStore repo = Repositories.openEncoded(config.repo())) {
            Spool spool = config.archive().async() ? asyncSpool(config, repo, err) : null;
            if (spool != null) {
                spool.writeRequested(name);
                if (spool.speaksThisProtocol() && takeFromSpool(spool, name, Path.of(dest))) {
                    return ExitCode.OK.code;
                }
            }
            // %p is in pg_wal: the segment PostgreSQL already has, if it has it, is beside it
            Path target = Path.of(dest);
            switch (archive(config, repo).getOrStreamed(wal, target, target.resolveSibling(name))) {
                case ABSENT -> {
                    // PostgreSQL asks for files that do not exist as a normal part of recovery.
                    err.println("pgvault: " + name + " is not in the archive");
                    return ExitCode.NOT_FOUND.code;
                }
                case HELD_LOCALLY -> {
                    err.println("pgvault: " + name + " is only streamed in the archive, and pg_wal's copy already"
                            + " holds all of it: PostgreSQL reads its own");
                    return ExitCode.NOT_FOUND.code;
                }
                default -> { }
            }
        }
        return ExitCode.OK.code;
    }

    /**
     * The spool with the resident archiver running, or null (with a warning) when the spool cannot
     * be used: the call then does its work itself, as without async.
     */
    private static Spool asyncSpool(PgvaultConfig config, EncodedStore repo, PrintStream err) {
        try {
            return AsyncArchiving.prepare(config, repo);
        } catch (IOException | RuntimeException e) {
            err.println("pgvault: warning: archive.async: the spool cannot be used (" + Failures.unwrap(e).getMessage()
                    + "); working synchronously");
            return null;
        }
    }

    /** A file the resident archiver fetched ahead, moved to {@code dest} through a temporary name. */
    private static boolean takeFromSpool(Spool spool, String name, Path dest) throws IOException {
        Path spooled = spool.getDir().resolve(name);
        if (!Files.isRegularFile(spooled)) {
            return false;
        }
        spool.recordTaken(name);
        TemporaryFile.sweep(dest.toAbsolutePath().getParent());
        try (TemporaryFile temp = TemporaryFile.beside(dest)) {
            Files.copy(spooled, temp.path(), StandardCopyOption.REPLACE_EXISTING);
            Files.move(temp.path(), dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            return false; // removed meanwhile (recovery passed it): fetched below
        }
        if (!name.endsWith(".history")) { // history files are asked for again and again
            Files.deleteIfExists(spooled);
        }
        return true;
    }

    private static WalArchive archive(PgvaultConfig config, EncodedStore repo) throws IOException {
        RepositoryLayout layout = new RepositoryLayout(config.stanza());
        ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
        return new WalArchive(repo, layout, cluster);
    }
}
