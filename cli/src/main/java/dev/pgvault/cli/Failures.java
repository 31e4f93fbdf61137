package dev.pgvault.cli;

import dev.pgvault.archiver.ForeignWalException;
import dev.pgvault.archiver.MisplacedWalException;
import dev.pgvault.archiver.StanzaMismatchException;
import dev.pgvault.archiver.WalConflictException;
import dev.pgvault.archiver.backup.BackupLockedException;
import dev.pgvault.archiver.backup.BackupRefusedException;
import dev.pgvault.archiver.backup.NoSuchBackupException;
import dev.pgvault.archiver.backup.WalNotArchivedException;
import dev.pgvault.archiver.pg.PgException;
import dev.pgvault.cli.config.ConfigException;
import dev.pgvault.restore.InvalidManifestException;
import dev.pgvault.restore.NoBackupForTargetException;
import dev.pgvault.restore.RestoreIncompleteException;
import dev.pgvault.restore.TargetDirectoryException;
import dev.pgvault.restore.UnknownBackupException;
import dev.pgvault.restore.replica.ServerStartException;
import dev.pgvault.restore.replica.SlotConflictException;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.StorageException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.WrongKeyException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * Turns a failure into one line on stderr and an exit code. The stack trace is printed only
 * with --verbose: people read the line, developers read the trace.
 */
final class Failures {
    private Failures() {}

    static int report(Throwable t, boolean verbose, PrintStream err) {
        Throwable e = unwrap(t);
        ExitCode code = codeOf(e);
        err.println("pgvault: " + OneLine.of(message(e, code)));
        if (verbose) {
            t.printStackTrace(err);
        }
        return code.code;
    }

    /** archive-get's exit code: 1 only for "not found", 126 for every other failure (see RESTORE_ABORT). */
    static int forRestoreCommand(int code) {
        return code == ExitCode.OK.code || code == ExitCode.NOT_FOUND.code ? code : ExitCode.RESTORE_ABORT.code;
    }

    static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof UncheckedIOException || e instanceof java.util.concurrent.ExecutionException
                || e instanceof java.util.concurrent.CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    static ExitCode codeOf(Throwable e) {
        if (e instanceof UserError u) {
            return u.code();
        }
        if (e instanceof ConfigException || e instanceof dev.pgvault.ha.tls.TlsSetupException) {
            return ExitCode.CONFIG;
        }
        if (e instanceof RestoreIncompleteException && e.getCause() != null) {
            return codeOf(e.getCause());
        }
        if (e instanceof NoBackupForTargetException || e instanceof UnknownBackupException
                || e instanceof NoSuchBackupException) {
            return ExitCode.NOT_FOUND;
        }
        if (e instanceof TargetDirectoryException) {
            return ExitCode.USAGE;
        }
        if (e instanceof InvalidManifestException) {
            return ExitCode.CORRUPT;
        }
        if (e instanceof dev.pgvault.archiver.UnfinishedSegmentException) {
            return ExitCode.POSTGRES; // PostgreSQL handed over a segment it has not finished: it retries
        }
        if (e instanceof WalConflictException || e instanceof ForeignWalException
                || e instanceof StanzaMismatchException || e instanceof BackupLockedException
                || e instanceof SlotConflictException) {
            return ExitCode.CONFLICT;
        }
        if (e instanceof dev.pgvault.ha.dcs.DcsException) {
            return ExitCode.HA;
        }
        if (e instanceof dev.pgvault.ha.pg.PgControlException || e instanceof PgException || e instanceof WalNotArchivedException || e instanceof BackupRefusedException
                || e instanceof ServerStartException) {
            return ExitCode.POSTGRES;
        }
        if (e instanceof BlobNotFoundException) {
            return ExitCode.NOT_FOUND;
        }
        if (e instanceof CorruptObjectException || e instanceof WrongKeyException || e instanceof MisplacedWalException
                || e instanceof dev.pgvault.archiver.backup.BrokenChainException) {
            return ExitCode.CORRUPT;
        }
        if (e instanceof StorageException || e instanceof IOException) {
            return ExitCode.REPOSITORY;
        }
        if (e instanceof IllegalArgumentException) {
            return ExitCode.USAGE;
        }
        return ExitCode.INTERNAL;
    }

    private static String message(Throwable e, ExitCode code) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null && f.getFile() != null) {
            // The JDK's message is the bare path: say what happened to it.
            String what = e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                    : e instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : e instanceof java.nio.file.NotDirectoryException ? "not a directory" : "file system error";
            m = what + ": " + f.getFile() + (f.getOtherFile() == null ? "" : " (and " + f.getOtherFile() + ")");
        }
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        m = m.strip().replace('\n', ' ');
        if (code == ExitCode.INTERNAL) {
            return "internal error: " + e.getClass().getName() + ": " + m + " (run with --verbose for details)";
        }
        return m;
    }
}
