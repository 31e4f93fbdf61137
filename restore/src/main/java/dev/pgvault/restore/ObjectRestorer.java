package dev.pgvault.restore;

import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.StoredObject;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.DecodingStream;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Restores the files of one object: reads it once, streaming, and splits it into its files by
 * offset and size. Each file's size and SHA-256 are checked against the manifest as it is
 * written; it then gets its mode and mtime and goes to the syncer. One per worker thread: it owns
 * a large buffer.
 */
final class ObjectRestorer {
    static final int BUFFER = 1 << 20;
    private static final Set<StandardOpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final EncodedStore repo;
    private final String backupDir;
    private final Path pgdata;
    private final FileSyncer syncer;
    private final BooleanSupplier cancelled;
    private final byte[] buffer = new byte[BUFFER];
    private final MessageDigest sha256 = newSha256();

    ObjectRestorer(EncodedStore repo, String backupDir, Path pgdata, FileSyncer syncer, BooleanSupplier cancelled) {
        this.repo = repo;
        this.backupDir = backupDir;
        this.pgdata = pgdata;
        this.syncer = syncer;
        this.cancelled = cancelled;
    }

    void restore(ObjectTask task) throws IOException {
        StoredObject object = task.object();
        boolean single = task.singleFile();
        FileEntry current = null;
        try (InputStream in = repo.get(backupDir + object.key())) {
            long pos = 0;
            for (FileEntry f : task.files()) {
                current = f;
                skip(in, f.offset() - pos, object);
                Path out = pgdata.resolve(RestorePlan.writePath(f.path()));
                String sha = write(in, f, out, object, !single);
                pos = f.offset() + f.size();
                if (single) {
                    drain(in); // the object's digest is the file's, verified at its end
                    sha = digestOf(in, object).plainSha256();
                }
                if (!sha.equalsIgnoreCase(f.sha256())) {
                    throw new RestoredFileMismatchException(f.path(), "restored file " + f.path() + " does not match the backup: sha256 "
                            + sha + ", manifest records " + f.sha256() + " (object " + object.key() + ")");
                }
                Files.setPosixFilePermissions(out, Modes.of(f.mode()));
                Files.setLastModifiedTime(out, FileTime.from(f.mtime(), TimeUnit.SECONDS));
                syncer.submit(out);
            }
            current = null;
            if (!single) {
                drain(in); // the codec checks the whole object's checksum at its end
                digestOf(in, object);
            }
        } catch (CorruptObjectException e) {
            if (e instanceof RestoredFileMismatchException) {
                throw e;
            }
            throw new CorruptObjectException("cannot restore " + (current != null ? current.path() : names(task)) + ": "
                    + e.getMessage() + " (object " + object.key() + ")", e);
        }
    }

    private static String names(ObjectTask task) {
        StringBuilder s = new StringBuilder();
        int shown = Math.min(3, task.files().size());
        for (int i = 0; i < shown; i++) {
            s.append(i == 0 ? "" : ", ").append(task.files().get(i).path());
        }
        if (task.files().size() > shown) {
            s.append(" and ").append(task.files().size() - shown).append(" more files");
        }
        return s.toString();
    }

    /** Writes {@code f.size()} bytes from {@code in} to {@code out}; returns their SHA-256 when asked to hash. */
    private String write(InputStream in, FileEntry f, Path out, StoredObject object, boolean hash) throws IOException {
        if (hash) {
            sha256.reset();
        }
        long left = f.size();
        try (FileChannel ch = FileChannel.open(out, CREATE, Modes.attribute(Modes.OWNER_ONLY_FILE))) {
            while (left > 0) {
                if (cancelled.getAsBoolean()) {
                    throw new InterruptedIOException("restore cancelled after another failure");
                }
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new RestoredFileMismatchException(f.path(), "restored file " + f.path() + " is short: object " + object.key()
                            + " ended after " + (f.size() - left) + " of its " + f.size() + " bytes");
                }
                if (hash) {
                    sha256.update(buffer, 0, n);
                }
                ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
                left -= n;
            }
        }
        return hash ? HexFormat.of().formatHex(sha256.digest()) : null;
    }

    private void skip(InputStream in, long n, StoredObject object) throws IOException {
        while (n > 0) {
            int r = in.read(buffer, 0, (int) Math.min(buffer.length, n));
            if (r < 0) {
                throw new CorruptObjectException("object " + object.key() + " is shorter than its manifest entries say");
            }
            n -= r;
        }
    }

    /** Reads to the end, where the decoder verifies the object's length and checksum. */
    private void drain(InputStream in) throws IOException {
        while (in.read(buffer, 0, buffer.length) >= 0) {
            // bytes past the last file (none in a well-formed backup) are only checksummed
        }
    }

    /** The verified digest of the whole object, checked against what the manifest records for it. */
    private static ObjectDigest digestOf(InputStream in, StoredObject object) throws IOException {
        if (!(in instanceof DecodingStream d)) {
            throw new IllegalStateException("EncodedStore.get returned " + in.getClass().getName() + ", not a DecodingStream");
        }
        ObjectDigest digest = d.result();
        if (digest.plainSize() != object.plainSize() || !digest.plainSha256().equalsIgnoreCase(object.sha256())) {
            throw new CorruptObjectException("object " + object.key() + " is not the one the manifest records: "
                    + digest.plainSize() + " bytes with sha256 " + digest.plainSha256() + ", manifest records " + object.plainSize()
                    + " bytes with sha256 " + object.sha256());
        }
        return digest;
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
