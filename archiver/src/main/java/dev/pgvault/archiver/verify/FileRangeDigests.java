package dev.pgvault.archiver.verify;

import dev.pgvault.archiver.backup.FileEntry;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The SHA-256 of each file's range of an object's plain bytes, computed in the one pass that
 * reads the object: bytes are fed in order and each chunk updates every file it overlaps.
 */
final class FileRangeDigests {
    private final List<FileEntry> files;
    private final MessageDigest[] digests;
    /** Files before this index end at or before the bytes fed so far. */
    private int firstOpen;

    FileRangeDigests(List<FileEntry> files) {
        this.files = new ArrayList<>(files);
        this.files.sort(Comparator.comparingLong(FileEntry::offset));
        this.digests = new MessageDigest[this.files.size()];
        for (int i = 0; i < digests.length; i++) {
            digests[i] = sha256();
        }
    }

    /** Feeds {@code len} bytes of {@code buf} that sit at {@code position} in the object. */
    void update(long position, byte[] buf, int off, int len) {
        long end = position + len;
        for (int i = firstOpen; i < files.size() && files.get(i).offset() < end; i++) {
            FileEntry f = files.get(i);
            long from = Math.max(position, f.offset());
            long to = Math.min(end, f.offset() + f.size());
            if (from < to) {
                digests[i].update(buf, off + (int) (from - position), (int) (to - from));
            }
        }
        while (firstOpen < files.size() && files.get(firstOpen).offset() + files.get(firstOpen).size() <= end) {
            firstOpen++;
        }
    }

    /**
     * The files, in offset order, whose bytes do not match: each with what is wrong. Call once,
     * after the whole object ({@code objectSize} plain bytes) was fed.
     */
    List<Mismatch> mismatches(long objectSize) {
        List<Mismatch> out = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            FileEntry f = files.get(i);
            if (f.offset() + f.size() > objectSize) {
                out.add(new Mismatch(f, "ends at byte " + (f.offset() + f.size()) + ", past the end of the object ("
                        + objectSize + " bytes)"));
                continue;
            }
            String actual = HexFormat.of().formatHex(digests[i].digest());
            if (!actual.equalsIgnoreCase(f.sha256())) {
                out.add(new Mismatch(f, "has sha256 " + actual + " (bytes " + f.offset() + ".."
                        + (f.offset() + f.size()) + "), the manifest says " + f.sha256()));
            }
        }
        return out;
    }

    record Mismatch(FileEntry file, String what) {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
