package dev.pgvault.archiver.backup;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Backup ids: the UTC start time to the second and the type's letter, e.g. 20261126-031500F. They sort by time. */
public final class BackupId {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private BackupId() {}

    public static String of(Instant start, BackupType type) {
        return FORMAT.format(start) + type.letter();
    }
}
