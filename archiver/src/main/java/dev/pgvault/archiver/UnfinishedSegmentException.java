package dev.pgvault.archiver;

/**
 * A segment handed to archive-push whose WAL stops before its end, zeros after it: not finished
 * yet (a standby's copy of what wal-receive streamed, still being filled by its stream). Not
 * stored; a later push of the finished file succeeds.
 */
public class UnfinishedSegmentException extends ArchiveException {
    public UnfinishedSegmentException(String message) {
        super(message);
    }
}
