package dev.pgvault.archiver.backup;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Backup ids: the UTC start time to the second and the type's letter, e.g. 20261126-031500F. They sort by time. */
public final class BackupId {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter PARSE = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private BackupId() {}

    public static String of(Instant start, BackupType type) {
        return FORMAT.format(start) + type.letter();
    }

    /** Whether {@code id} has the shape of a backup id: 8 digits, '-', 6 digits, a capital letter. */
    public static boolean isWellFormed(String id) {
        if (id == null || id.length() != 16 || id.charAt(8) != '-' || id.charAt(15) < 'A' || id.charAt(15) > 'Z') {
            return false;
        }
        for (int i = 0; i < 15; i++) {
            char c = id.charAt(i);
            if (i != 8 && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    /** The start time an id records (to the second), or empty when it is not a well-formed id. */
    public static Optional<Instant> startOf(String id) {
        if (!isWellFormed(id)) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDateTime.parse(id.substring(0, 15), PARSE).toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
