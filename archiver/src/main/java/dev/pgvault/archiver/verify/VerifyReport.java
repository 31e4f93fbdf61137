package dev.pgvault.archiver.verify;

import java.util.List;

/**
 * What one verify run checked and found.
 *
 * @param backups backups with a manifest (readable or not)
 * @param objects backup objects read (empty files have none)
 * @param walFiles archived WAL files read: segments, .partial, .backup and .history files
 * @param bytesRead stored bytes of the backup objects and WAL files read
 * @param problems in a stable order: backups oldest first (each in manifest order), then
 *     incomplete backups, WAL files by name, WAL continuity
 */
public record VerifyReport(String stanza, int backups, long objects, long walFiles, long bytesRead,
        List<Problem> problems) {

    public VerifyReport {
        problems = List.copyOf(problems);
    }

    public long errors() {
        return problems.stream().filter(p -> p.severity() == Severity.ERROR).count();
    }

    public long warnings() {
        return problems.stream().filter(p -> p.severity() == Severity.WARNING).count();
    }

    public long infos() {
        return problems.stream().filter(p -> p.severity() == Severity.INFO).count();
    }

    /** Whether every backup and every WAL file checked out; warnings and information do not count. */
    public boolean ok() {
        return errors() == 0;
    }
}
