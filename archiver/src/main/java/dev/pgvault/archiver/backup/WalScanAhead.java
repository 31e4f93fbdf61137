package dev.pgvault.archiver.backup;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An incremental backup's WAL scan ({@link WalChangeScan}) on a thread of its own, started as soon
 * as the backup's start LSN is known, so that it runs while the files are read page by page
 * instead of before: the scan waits mostly on pg_waldump, the reading on the disk and the
 * workers. {@link #get} waits for its answer and throws what the scan threw.
 */
final class WalScanAhead implements AutoCloseable {
    interface Scan {
        RelationChanges run() throws IOException, InterruptedException;
    }

    private final ExecutorService thread;
    private final Future<RelationChanges> result;

    private WalScanAhead(Scan scan) {
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pgvault-walscan");
            t.setDaemon(true);
            return t;
        });
        result = thread.submit(scan::run);
    }

    static WalScanAhead start(Scan scan) {
        return new WalScanAhead(scan);
    }

    RelationChanges get() throws IOException, InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof InterruptedException) {
                throw new InterruptedIOException("the WAL scan was interrupted");
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        }
    }

    /** Stops a scan nobody waits for any more (a failed comparison); its temporary directory goes with it. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
