package dev.pgvault.restore;

import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.FilePart;
import dev.pgvault.archiver.backup.StoredObject;
import java.util.List;
import java.util.Map;

/**
 * Checks a split file's parts before anything is written: they cover the file exactly, in order,
 * without gaps or overlaps, and each is a whole object the manifest lists with the same size and
 * SHA-256, so that checking each object's digest on restore checks every byte of the file.
 */
final class SplitFileCheck {
    private SplitFileCheck() {}

    static List<FilePart> parts(FileEntry f, Map<String, StoredObject> objects) throws InvalidManifestException {
        long end = 0;
        for (FilePart part : f.parts()) {
            String where = "part at byte " + part.offset() + " of split file '" + f.path() + "'";
            if (part.offset() != end || part.size() <= 0) {
                throw new InvalidManifestException("backup manifest leaves a gap or an overlap at the " + where
                        + " (the previous part ends at byte " + end + ", this one has " + part.size() + " bytes)");
            }
            StoredObject o = part.object() == null ? null : objects.get(part.object());
            if (o == null) {
                throw new InvalidManifestException("backup manifest places the " + where + " in object '" + part.object()
                        + "', which it does not list among its objects");
            }
            if (o.plainSize() != part.size() || part.sha256() == null || !part.sha256().equalsIgnoreCase(o.sha256())) {
                throw new InvalidManifestException("backup manifest gives the " + where + " " + part.size() + " bytes with sha256 "
                        + part.sha256() + ", but its object '" + o.key() + "' " + o.plainSize() + " bytes with sha256 " + o.sha256());
            }
            end = part.end();
        }
        if (end != f.size()) {
            throw new InvalidManifestException("backup manifest gives split file '" + f.path() + "' " + f.size()
                    + " bytes, but its parts end at byte " + end);
        }
        return f.parts();
    }
}
