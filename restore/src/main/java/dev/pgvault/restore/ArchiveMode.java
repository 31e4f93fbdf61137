package dev.pgvault.restore;

import java.util.Locale;

/**
 * What a restored copy does with archive_mode. A copy that keeps the backup's setting archives
 * into the same stanza as the cluster it was copied from, once promoted: a drill or a test copy
 * should not, and {@link #OFF} writes {@code archive_mode = 'off'} into its postgresql.auto.conf.
 */
public enum ArchiveMode {
    /** The backup's own setting, as restored (the default: a restore that replaces the primary keeps archiving). */
    PRESERVE,
    OFF;

    public static ArchiveMode parse(String text) {
        for (ArchiveMode m : values()) {
            if (m.word().equals(text.strip().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("--archive-mode must be off or preserve, not '" + text + "'");
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
