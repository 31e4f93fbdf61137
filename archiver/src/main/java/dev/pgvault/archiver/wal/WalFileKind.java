package dev.pgvault.archiver.wal;

/** The kinds of file PostgreSQL archives and asks back through restore_command. */
public enum WalFileKind {
    /** 000000010000000A000000FE */
    SEGMENT,
    /** 000000010000000A000000FE.partial: the last, incomplete segment of a timeline. */
    PARTIAL,
    /** 000000010000000A000000FE.00000028.backup: a base backup's history record. */
    BACKUP,
    /** 00000002.history: how a timeline branched from its parent. */
    HISTORY,
    /**
     * 000000010000000A000000FE.stream: the part of a segment {@code wal-receive} has streamed so
     * far, replaced as it grows; never handed over by PostgreSQL, and never hiding a complete
     * segment of the same name.
     */
    STREAM,
    /**
     * 000000010000000A000000FE.stream.00A3F000: bytes of that segment from the offset its name
     * gives, stored by a synchronous {@code wal-receive} between two stores of the whole
     * {@code .stream} object; read together with it.
     */
    STREAM_PART
}
