package dev.pgvault.archiver;

import dev.pgvault.archiver.wal.Lsn;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where a stanza's objects live in the repository:
 * <pre>
 * &lt;stanza&gt;/cluster.json
 * &lt;stanza&gt;/wal/&lt;timeline+log&gt;/&lt;segment, .partial or .backup file&gt;
 * &lt;stanza&gt;/wal/&lt;timeline&gt;.history
 * &lt;stanza&gt;/backup/&lt;id&gt;/data/&lt;path in PGDATA&gt;    a large file, alone
 * &lt;stanza&gt;/backup/&lt;id&gt;/bundle/&lt;n&gt;                small files, concatenated
 * &lt;stanza&gt;/backup/&lt;id&gt;/backup.manifest           written last
 * &lt;stanza&gt;/backup/&lt;id&gt;/backup.keep               only while the backup is pinned (pgvault keep)
 * &lt;stanza&gt;/receiver/&lt;name&gt;.json                  what a wal-receive last said of itself
 * &lt;stanza&gt;/receiver/&lt;name&gt;.&lt;tli&gt;-&lt;lsn&gt;.skipped    WAL it skipped there that the repository may lack
 * </pre>
 * Every object is self-describing (its header names its compression and cipher), so names
 * carry no extension and a lookup is one request.
 */
public record RepositoryLayout(String stanza) {

    /**
     * Eight hex digits naming a repository (its description, such as "fs:/var/lib/pgvault") in
     * local file names: the backup lock, the async spool. Two repositories holding the same stanza
     * name do not share them.
     */
    public static String repositoryTag(String repositoryDescription) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(repositoryDescription.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String clusterKey() {
        return stanza + "/cluster.json";
    }

    public String walPrefix() {
        return stanza + "/wal/";
    }

    public String backupPrefix() {
        return stanza + "/backup/";
    }

    /** The directory of one backup's objects; keys in its manifest are relative to it. */
    public String backupDir(String backupId) {
        return backupPrefix() + backupId + "/";
    }

    public String manifestKey(String backupId) {
        return backupDir(backupId) + "backup.manifest";
    }

    /** Present while backup {@code backupId} is pinned: no retention rule removes it. */
    public String keepKey(String backupId) {
        return backupDir(backupId) + "backup.keep";
    }

    public String receiverPrefix() {
        return stanza + "/receiver/";
    }

    /** The end of the key of a receiver's status. */
    public static final String STATUS_SUFFIX = ".json";
    /** The end of the key of a receiver's record of skipped WAL. */
    public static final String SKIPPED_SUFFIX = ".skipped";

    /** A receiver's status object; its name kept to characters every store takes in a key. */
    public String receiverKey(String receiverName) {
        return receiverPrefix() + keyPart(receiverName) + STATUS_SUFFIX;
    }

    /**
     * A receiver's record of WAL it skipped from {@code from} on timeline {@code timeline}, while
     * the repository may lack it: one per gap.
     */
    public String receiverSkippedKey(String receiverName, int timeline, Lsn from) {
        return receiverPrefix() + keyPart(receiverName) + String.format(".%08X-%016X", timeline, from.value()) + SKIPPED_SUFFIX;
    }

    private static String keyPart(String receiverName) {
        return receiverName.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    public String walKey(WalFileName name) {
        if (name.kind() == WalFileKind.HISTORY) {
            return walPrefix() + name.name();
        }
        return walPrefix() + name.timelineAndLog() + "/" + name.name();
    }
}
