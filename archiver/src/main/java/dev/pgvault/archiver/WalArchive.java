package dev.pgvault.archiver;

import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.archiver.wal.WalSegmentHeader;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Pushes WAL files into a stanza and fetches them back: what archive_command and
 * restore_command run. A push is a create-if-absent, so a stored WAL file is never replaced.
 */
public final class WalArchive {

    /** What a push found. */
    public enum PushOutcome {
        STORED,
        /** The same bytes were already stored under the name: PostgreSQL retried a push. */
        ALREADY_STORED
    }

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final ClusterIdentity cluster;

    public WalArchive(EncodedStore repo, RepositoryLayout layout, ClusterIdentity cluster) {
        this.repo = repo;
        this.layout = layout;
        this.cluster = cluster;
    }

    /**
     * Stores the WAL file at {@code file} under its own name. Returns only once the object is
     * durable. Throws {@link ForeignWalException} for a segment of another cluster and {@link
     * WalConflictException} when different bytes are already stored under the name.
     */
    public PushOutcome push(Path file) throws IOException {
        WalFileName name = WalFileName.parse(file.getFileName().toString());
        if (name.kind() == WalFileKind.SEGMENT || name.kind() == WalFileKind.PARTIAL) {
            checkSegment(file, name);
        }
        String key = layout.walKey(name);
        boolean created = repo.create(key, out -> {
            try (InputStream in = Files.newInputStream(file)) {
                in.transferTo(out);
            }
        }).isPresent();
        if (created) {
            return PushOutcome.STORED;
        }
        String local = sha256(Files.newInputStream(file));
        String stored = sha256(repo.get(key));
        if (local.equals(stored)) {
            return PushOutcome.ALREADY_STORED;
        }
        throw new WalConflictException(name.name() + " is already in " + repo.describe()
                + " with different content (stored sha256 " + stored + ", local " + local
                + "): the stored file was left as it is; is another cluster archiving into stanza '"
                + layout.stanza() + "'?");
    }

    private void checkSegment(Path file, WalFileName name) throws IOException {
        long size = Files.size(file);
        byte[] head = new byte[WalSegmentHeader.LENGTH];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        WalSegmentHeader h;
        try {
            h = WalSegmentHeader.read(head, n);
        } catch (IllegalArgumentException e) {
            throw new ForeignWalException(file + " is not a WAL segment: " + e.getMessage());
        }
        if (h.systemIdentifier() != cluster.systemIdentifier()) {
            throw new ForeignWalException(name.name() + " belongs to another cluster: system identifier "
                    + Long.toUnsignedString(h.systemIdentifier()) + ", stanza '" + layout.stanza() + "' has "
                    + cluster.systemIdentifierText());
        }
        if (h.segmentSize() != cluster.walSegmentSize() || size != cluster.walSegmentSize()) {
            throw new ForeignWalException(name.name() + " is " + size + " bytes with segment size "
                    + h.segmentSize() + " in its header; stanza '" + layout.stanza() + "' has segment size "
                    + cluster.walSegmentSize());
        }
        long expected = name.segmentNumber(cluster.walSegmentSize()) * cluster.walSegmentSize();
        if (h.pageAddress() != expected) {
            throw new ForeignWalException(name.name() + " holds WAL from another position (page address "
                    + Long.toHexString(h.pageAddress()) + ", its name says " + Long.toHexString(expected) + ")");
        }
    }

    /**
     * Writes the WAL file {@code name} to {@code dest}, checksum verified, through a temporary
     * file renamed into place: PostgreSQL never sees a partial file. Returns false, writing
     * nothing, when the repository does not have it.
     */
    public boolean get(WalFileName name, Path dest) throws IOException {
        InputStream in;
        try {
            in = repo.get(layout.walKey(name));
        } catch (BlobNotFoundException e) {
            return false;
        }
        Path temp = dest.resolveSibling(dest.getFileName() + ".pgvault-tmp");
        try (in; FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            // The decoder verifies the checksum before its last read returns: a bad object
            // throws here, and the temporary file is removed below. No fsync: recovery reads
            // the file at once, and after a crash PostgreSQL asks for it again.
            OutputStream out = Channels.newOutputStream(ch);
            in.transferTo(out);
            out.flush();
            ch.close();
            Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return true;
    }

    private static String sha256(InputStream stream) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(stream, md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
