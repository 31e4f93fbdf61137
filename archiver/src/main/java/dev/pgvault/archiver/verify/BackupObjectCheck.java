package dev.pgvault.archiver.verify;

import dev.pgvault.archiver.backup.FileEntry;
import dev.pgvault.archiver.backup.StoredObject;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.DecodingStream;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.ObjectDigest;
import dev.pgvault.storage.codec.WrongKeyException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Reads one backup object once, to its end, and checks it against its manifest record and the
 * files it holds. Store failures are thrown; everything the object itself gets wrong is a
 * {@link Problem}.
 */
final class BackupObjectCheck implements Callable<CheckResult> {
    private static final int BUFFER = 64 * 1024;

    private final EncodedStore repo;
    private final String backupId;
    private final String key;
    private final StoredObject expected;
    private final List<FileEntry> files;

    /** {@code key} is the full repository key; {@code files} those the manifest places in it. */
    BackupObjectCheck(EncodedStore repo, String backupId, String key, StoredObject expected, List<FileEntry> files) {
        this.repo = repo;
        this.backupId = backupId;
        this.key = key;
        this.expected = expected;
        this.files = List.copyOf(files);
    }

    @Override
    public CheckResult call() throws IOException {
        List<String> paths = files.stream().map(FileEntry::path).toList();
        List<Problem> problems = new ArrayList<>();
        Optional<BlobInfo> info = repo.blobs().stat(key);
        if (info.isEmpty()) {
            return missing(paths);
        }
        long stored = info.get().size();
        if (stored != expected.storedSize()) {
            problems.add(Problem.backupObject(ProblemKind.STORED_SIZE_MISMATCH, backupId, key, paths,
                    "is " + stored + " bytes in the repository, the manifest says " + expected.storedSize()));
        }

        // A file that is the whole object (a large file alone) is checked by the object's own
        // digest, which the decoder computes anyway: no second pass over its bytes.
        List<FileEntry> wholeObject = new ArrayList<>();
        List<FileEntry> ranges = new ArrayList<>();
        for (FileEntry f : files) {
            (f.offset() == 0 && f.size() == expected.plainSize() ? wholeObject : ranges).add(f);
        }
        FileRangeDigests digests = new FileRangeDigests(ranges);
        ObjectDigest actual;
        try (DecodingStream in = repo.get(key)) {
            byte[] buf = new byte[BUFFER];
            long position = 0;
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                digests.update(position, buf, 0, n);
                position += n;
            }
            actual = in.result();
        } catch (BlobNotFoundException e) {
            return missing(paths); // deleted between stat and read
        } catch (CorruptObjectException | WrongKeyException e) {
            // Nothing the object decoded to can be trusted: every file in it is affected.
            problems.add(Problem.backupObject(ProblemKind.CORRUPT_OBJECT, backupId, key, paths,
                    "is corrupt: " + e.getMessage()));
            return new CheckResult(1, 0, stored, problems);
        }

        boolean sameSize = actual.plainSize() == expected.plainSize();
        boolean sameHash = actual.plainSha256().equalsIgnoreCase(expected.sha256());
        if (!sameSize || !sameHash) {
            problems.add(Problem.backupObject(ProblemKind.OBJECT_MISMATCH, backupId, key, paths,
                    "decodes to " + actual.plainSize() + " bytes with sha256 " + actual.plainSha256()
                            + ", the manifest says " + expected.plainSize() + " bytes with sha256 " + expected.sha256()));
        }
        for (FileEntry f : wholeObject) {
            // With a different length the object-level finding above already names the file.
            if (sameSize && !actual.plainSha256().equalsIgnoreCase(f.sha256())) {
                problems.add(Problem.file(backupId, key, f.path(), "has sha256 " + actual.plainSha256()
                        + ", the manifest says " + f.sha256()));
            }
        }
        for (FileRangeDigests.Mismatch m : digests.mismatches(actual.plainSize())) {
            problems.add(Problem.file(backupId, key, m.file().path(), m.what()));
        }
        return new CheckResult(1, 0, stored, problems);
    }

    private CheckResult missing(List<String> paths) {
        return new CheckResult(1, 0, 0, List.of(Problem.backupObject(ProblemKind.MISSING_OBJECT, backupId, key,
                paths, "is missing from the repository")));
    }
}
