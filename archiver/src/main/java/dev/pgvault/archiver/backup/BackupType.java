package dev.pgvault.archiver.backup;

/** What a backup copies: everything, or (later) what changed since a parent. */
public enum BackupType {
    FULL;

    /** The letter that ends a backup id: 20261126-031500F. */
    public char letter() {
        return switch (this) {
            case FULL -> 'F';
        };
    }
}
