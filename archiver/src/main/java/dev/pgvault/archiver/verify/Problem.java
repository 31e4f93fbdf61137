package dev.pgvault.archiver.verify;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One finding of verify, with what it concerns as data (for machines) and as one sentence (for
 * people).
 *
 * @param backups the ids of the backups affected; empty for a finding about WAL alone
 * @param objectKey the repository key of the object concerned (a backup object, a manifest, a
 *     WAL file), or null
 * @param files paths in PGDATA of the backed-up files affected
 * @param walFiles names of the WAL files concerned: corrupt, missing, or the first of a gap
 * @param message the whole finding in one line, without the severity
 */
public record Problem(Severity severity, ProblemKind kind, List<String> backups, String objectKey,
        List<String> files, List<String> walFiles, String message) {

    /** How many file paths a line names before "and N more": a bundle can hold thousands. */
    private static final int FILES_IN_LINE = 5;

    public Problem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(kind, "kind");
        backups = List.copyOf(backups);
        files = List.copyOf(files);
        walFiles = List.copyOf(walFiles);
        Objects.requireNonNull(message, "message");
    }

    /** "error: backup 20261126-031500F: object ... is missing (files: ...)" */
    public String line() {
        return severity.name().toLowerCase(Locale.ROOT) + ": " + message;
    }

    static Problem backupObject(ProblemKind kind, String backupId, String key, List<String> files, String what) {
        return new Problem(Severity.ERROR, kind, List.of(backupId), key, files, List.of(),
                "backup " + backupId + ": object " + key + " " + what + filesSuffix(files));
    }

    static Problem file(String backupId, String key, String path, String what) {
        return new Problem(Severity.ERROR, ProblemKind.FILE_CHECKSUM_MISMATCH, List.of(backupId), key,
                List.of(path), List.of(), "backup " + backupId + ": file " + path
                        + (key == null ? "" : " in object " + key) + " " + what);
    }

    static Problem manifest(ProblemKind kind, String backupId, String key, List<String> files, String what) {
        return new Problem(Severity.ERROR, kind, List.of(backupId), key, files, List.of(),
                "backup " + backupId + ": manifest " + what);
    }

    static Problem incompleteBackup(String backupId, String dir) {
        return new Problem(Severity.WARNING, ProblemKind.INCOMPLETE_BACKUP, List.of(backupId), null, List.of(),
                List.of(), "backup " + backupId + " is incomplete (objects under " + dir
                        + " but no manifest): not restorable, left for expire to remove");
    }

    static Problem wal(ProblemKind kind, Severity severity, String key, String walName, String what) {
        return new Problem(severity, kind, List.of(), key, List.of(), walName == null ? List.of() : List.of(walName),
                what);
    }

    static String filesSuffix(List<String> files) {
        if (files.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(files.size() == 1 ? " (file: " : " (files: ");
        b.append(String.join(", ", files.subList(0, Math.min(FILES_IN_LINE, files.size()))));
        if (files.size() > FILES_IN_LINE) {
            b.append(" and ").append(files.size() - FILES_IN_LINE).append(" more");
        }
        return b.append(')').toString();
    }
}
