package dev.pgvault.archiver.backup;

import java.util.Locale;

/**
 * What a backup copies: everything ({@link #FULL}); what changed since the newest full ({@link
 * #DIFF}); or what changed since the newest backup of any type ({@link #INCR}).
 */
public enum BackupType {
    FULL,
    DIFF,
    INCR;

    /** The letter that ends a backup id: 20261126-031500F, ...D, ...I. */
    public char letter() {
        return switch (this) {
            case FULL -> 'F';
            case DIFF -> 'D';
            case INCR -> 'I';
        };
    }

    /** As users write it and {@code info} shows it: full, diff, incr. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
