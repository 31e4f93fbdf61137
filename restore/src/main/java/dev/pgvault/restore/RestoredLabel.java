package dev.pgvault.restore;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The backup label that may vouch for a data directory's files ({@link RestoredCopy}): its
 * backup_label, or, in a copy PostgreSQL has started since its restore, the backup_label.old
 * PostgreSQL renamed it to, with the tablespace map of the same start; or why there is none.
 *
 * @param text the label's text; null when there is none
 * @param fileName the file it was read from
 * @param mapFileName the tablespace map written or renamed with it
 * @param whyNone why no label vouches for anything; null when one was read
 */
record RestoredLabel(String text, String fileName, String mapFileName, String whyNone) {
    static final String BACKUP_LABEL_OLD = "backup_label.old";
    static final String TABLESPACE_MAP_OLD = "tablespace_map.old";
    private static final long LABEL_MAX_BYTES = 64 * 1024;

    /** The label of {@code pgdata}: see the class comment and {@link RestoredCopy}'s. */
    static RestoredLabel in(Path pgdata) {
        Path label = pgdata.resolve(RecoveryFiles.BACKUP_LABEL);
        if (Files.exists(label, LinkOption.NOFOLLOW_LINKS)) {
            // whatever it is, it decides alone: the old label may be older than what is there now
            return read(label, RecoveryFiles.TABLESPACE_MAP);
        }
        Path old = pgdata.resolve(BACKUP_LABEL_OLD);
        if (!Files.exists(old, LinkOption.NOFOLLOW_LINKS)) {
            return none("no backup_label or backup_label.old of a finished restore in " + pgdata
                    + " (not restored by pgvault, or its last restore did not finish)");
        }
        if (!Files.isRegularFile(pgdata.resolve(RestorePlan.PG_CONTROL), LinkOption.NOFOLLOW_LINKS)) {
            // a delta restore deletes pg_control before it changes anything, and every restore writes it last
            return none("backup_label.old in " + pgdata + " is there but global/pg_control is not: the last restore"
                    + " into it did not finish");
        }
        return read(old, TABLESPACE_MAP_OLD);
    }

    private static RestoredLabel read(Path file, String mapFileName) {
        String name = String.valueOf(file.getFileName());
        String where = name + " in " + file.getParent();
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > LABEL_MAX_BYTES) {
                return none(where + " is not a label a restore wrote");
            }
            return new RestoredLabel(Files.readString(file, StandardCharsets.UTF_8), name, mapFileName, null);
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
