package dev.pgvault.restore;

import dev.pgvault.archiver.backup.Manifest;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The backup label that may vouch for a data directory's files ({@link RestoredCopy}): its
 * backup_label, or, in a copy PostgreSQL has started since its restore, the backup_label.old
 * PostgreSQL renamed it to, with the tablespace map of the same start; or why there is none.
 *
 * <p>An old label vouches only as the restore wrote it: a restore gives backup_label a time of
 * its own ({@link #stamp}), which a rename keeps and any write replaces (pg_rewind copies a
 * source's backup_label.old, and stops with an error after its copies and before its own label:
 * that copy names the source's backup, not the one whose restore wrote the files). And only after
 * a clean shutdown: its checkpoint makes every write since the start durable with its times,
 * where a crash of the machine may leave a page written on disk with its file's times still the
 * restore's. What this cannot see: a machine's crash after which the cluster was started and
 * stopped cleanly, with a page write PostgreSQL does not log (hint bits, with data checksums and
 * wal_log_hints off) left on disk without its times; crash recovery rewrites every logged one.
 *
 * <p>backup_label itself (a copy never started) is not held to the restore's time: a restore
 * writes it last and a delta deletes it first, and no tool copies one in (pg_rewind and
 * pg_basebackup write labels of their own), so one that names a backup is that restore's; a
 * label a restore of an earlier pgvault version wrote still vouches.
 *
 * @param text the label's text; null when there is none
 * @param file the file it was read from
 * @param mapFileName the tablespace map written or renamed with it
 * @param whyNone why no label vouches for anything; null when one was read
 */
record RestoredLabel(String text, Path file, String mapFileName, String whyNone) {
    static final String BACKUP_LABEL_OLD = "backup_label.old";
    static final String TABLESPACE_MAP_OLD = "tablespace_map.old";
    private static final long LABEL_MAX_BYTES = 64 * 1024;
    /** pg_control's DBState values of a clean shutdown: DB_SHUTDOWNED, DB_SHUTDOWNED_IN_RECOVERY. */
    private static final int SHUT_DOWN = 1;
    private static final int SHUT_DOWN_IN_RECOVERY = 2;
    /** DBState's names, as pg_controldata prints them, by value. */
    private static final List<String> STATES = List.of("starting up", "shut down", "shut down in recovery", "shutting down",
            "in crash recovery", "in archive recovery", "in production");

    /** The label of {@code pgdata}: see the class comment and {@link RestoredCopy}'s. */
    static RestoredLabel in(Path pgdata) {
        Path label = pgdata.resolve(RecoveryFiles.BACKUP_LABEL);
        if (!Files.notExists(label, LinkOption.NOFOLLOW_LINKS)) { // there, or cannot be told: never the old one then
            // whatever it is, it decides alone: the old label may be older than what is there now
            return read(label, RecoveryFiles.TABLESPACE_MAP);
        }
        Path old = pgdata.resolve(BACKUP_LABEL_OLD);
        if (Files.notExists(old, LinkOption.NOFOLLOW_LINKS)) {
            return none("no backup_label or backup_label.old of a finished restore in " + pgdata
                    + " (not restored by pgvault, or its last restore did not finish)");
        }
        Path control = pgdata.resolve(RestorePlan.PG_CONTROL);
        if (!Files.isRegularFile(control, LinkOption.NOFOLLOW_LINKS)) {
            // a delta restore deletes pg_control before it changes anything, and every restore writes it last
            return none("backup_label.old in " + pgdata + " is there but global/pg_control is not: the last restore"
                    + " into it did not finish");
        }
        OptionalInt read = PgControlHead.state(pgdata);
        if (read.isEmpty()) {
            return none("global/pg_control in " + pgdata + " cannot be read as PostgreSQL's (shorter than 20 bytes, or"
                    + " unreadable): nothing says its cluster shut down cleanly");
        }
        int state = read.getAsInt();
        if (state != SHUT_DOWN && state != SHUT_DOWN_IN_RECOVERY) {
            return none("global/pg_control in " + pgdata + " says its cluster did not shut down cleanly ("
                    + (state < STATES.size() ? STATES.get(state) : "state " + state) + "): after a crash of the machine a"
                    + " write may be on disk without its times; start and stop it cleanly first, or leave out --trust-times");
        }
        return read(old, TABLESPACE_MAP_OLD);
    }

    /** Whether this label is PostgreSQL's rename of one a restore wrote, rather than backup_label itself. */
    boolean renamed() {
        return file != null && String.valueOf(file.getFileName()).equals(BACKUP_LABEL_OLD);
    }

    /**
     * The modification time a restore gives the backup_label of backup {@code m}: its start, in
     * whole seconds, which no write since the restore can give it back.
     */
    static FileTime stamp(Manifest m) {
        return FileTime.from(m.startTime().getEpochSecond(), TimeUnit.SECONDS);
    }

    /**
     * Null when {@link #file} is as the restore of {@code m} wrote it (renamed since, not written:
     * the restore's time to the nanosecond, a change time after it, one name), else why not.
     */
    String whyNotAsWritten(Manifest m) {
        return whyNotAsWritten(file, m);
    }

    /** The tablespace map of the same start, when it is as the restore of {@code m} wrote it, or there is none. */
    boolean mapAsWrittenOrNone(Manifest m) {
        Path map = file.resolveSibling(mapFileName);
        return Files.notExists(map, LinkOption.NOFOLLOW_LINKS) || whyNotAsWritten(map, m) == null;
    }

    private static String whyNotAsWritten(Path file, Manifest m) {
        String why;
        try {
            why = RestoredCopy.whyTouched(Files.readAttributes(file, RestoredCopy.ATTRIBUTES, LinkOption.NOFOLLOW_LINKS),
                    stamp(m));
        } catch (IOException e) {
            return file.getFileName() + " in " + file.getParent() + " cannot be read: " + e.getMessage();
        }
        return why == null ? null : file.getFileName() + " in " + file.getParent() + " is not as the restore of backup " + m.id()
                + " wrote it (" + why + "): written since (pg_rewind copies a source's), copied, or written by an earlier"
                + " pgvault, which did not give it the backup's time; it vouches for nothing";
    }

    private static RestoredLabel read(Path file, String mapFileName) {
        String where = file.getFileName() + " in " + file.getParent();
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > LABEL_MAX_BYTES) {
                return none(where + " is not a label a restore wrote");
            }
            return new RestoredLabel(Files.readString(file, StandardCharsets.UTF_8), file, mapFileName, null);
        } catch (NoSuchFileException e) { // gone since it was looked at
            return none("no " + where + " any more");
        } catch (CharacterCodingException e) {
            return none(where + " is not text");
        } catch (IOException e) { // every file is then read, as without --trust-times
            return none(where + " cannot be read: " + e.getMessage());
        }
    }

    private static RestoredLabel none(String why) {
        return new RestoredLabel(null, null, null, why);
    }
}
