package dev.pgvault.archiver.backup;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The stanza's backups: those with a manifest, oldest first. A backup directory without one
 * (a backup killed half-way) is not a backup; {@link #incomplete()} names them for cleanup. A
 * backup is pinned while its keep marker is there ({@link BackupPins}).
 */
public final class BackupCatalog {
    private static final String MANIFEST = "backup.manifest";
    private static final String KEEP = "backup.keep";

    private final EncodedStore repo;
    private final RepositoryLayout layout;

    public BackupCatalog(EncodedStore repo, RepositoryLayout layout) {
        this.repo = repo;
        this.layout = layout;
    }

    /** What {@link #headers(Rest)} does with a manifest after its header. */
    public enum Rest {
        /**
         * Tokenized to its end, its lists skipped but not built: JSON cut or garbled anywhere, or
         * a field named twice, fails as a whole read does. For what such a manifest must stop: a
         * backup building on the chain, expire, the receiver's hold.
         */
        TOKENIZED,
        /**
         * Read to its end for the codec's checksum, not parsed: for a restore, which parses the
         * chain it chose whole and need not fail on the lists of a backup it does not use.
         */
        CHECKSUMMED
    }

    /** {@link #headers(Rest)}, the rest of each manifest {@link Rest#TOKENIZED}. */
    public List<BackupHeader> headers() throws IOException {
        return headers(Rest.TOKENIZED);
    }

    /**
     * The header of every complete backup, oldest first: what choosing a backup needs. Each
     * manifest is read through and its checksum checked as {@link #read} does, but its lists
     * (every file) are not built, which is most of what reading a manifest costs.
     */
    public List<BackupHeader> headers(Rest rest) throws IOException {
        return readEach(completeIds(), id -> header(id, rest));
    }

    /** {@link #headerWithTotals} of each backup of {@code ids}, in their order. */
    public List<BackupHeader> headersWithTotals(List<String> ids) throws IOException {
        return readEach(ids, this::headerWithTotals);
    }

    /** What {@link #readEach} does with one backup's manifest. */
    public interface ManifestReader<T> {
        T read(String id) throws IOException;
    }

    /** One manifest's read: its value or its failure, and where in the order it came. */
    private record Read<T>(int index, T value, IOException failure) {}

    /**
     * {@code reader} applied to each of {@code ids}, as many at a time as the store reads at once
     * ({@link dev.pgvault.storage.BlobStore#readsAtOnce}: on S3 each read waits a round trip,
     * which reading one after another pays once per backup kept), the results in the order of
     * {@code ids}. A failure is the first in that order, as reading one after another names it.
     */
    public <T> List<T> readEach(List<String> ids, ManifestReader<T> reader) throws IOException {
        int atOnce = repo.blobs().readsAtOnce();
        if (ids.size() < 2 || atOnce < 2) {
            List<T> out = new ArrayList<>();
            for (String id : ids) {
                out.add(reader.read(id));
            }
            return out;
        }
        List<Read<T>> reads;
        try {
            reads = ParallelWork.run(java.util.stream.IntStream.range(0, ids.size()).boxed().toList(), atOnce,
                    () -> null, (none, i) -> {
                        try {
                            return new Read<>(i, reader.read(ids.get(i)), null);
                        } catch (IOException e) {
                            return new Read<>(i, null, e);
                        }
                    }, "pgvault-manifest-read");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading backup manifests");
        }
        List<T> out = new ArrayList<>();
        for (Read<T> read : reads.stream().sorted(java.util.Comparator.comparingInt(Read::index)).toList()) {
            if (read.failure() != null) {
                throw read.failure();
            }
            out.add(read.value());
        }
        return out;
    }

    /** {@link #header(String, Rest)}, the rest {@link Rest#TOKENIZED}. */
    public BackupHeader header(String id) throws IOException {
        return header(id, Rest.TOKENIZED);
    }

    /** Backup {@code id}'s {@link BackupHeader}; its manifest parsed whole when the header's fields do not come first. */
    public BackupHeader header(String id, Rest rest) throws IOException {
        Optional<BackupHeader> header;
        try (InputStream in = opened(id)) {
            try {
                header = ManifestJson.readHeader(new java.io.FilterInputStream(in) {
                    @Override
                    public void close() {
                        // the rest is read below
                    }
                }, rest == Rest.TOKENIZED);
            } catch (ManifestJson.MalformedManifestException e) {
                header = Optional.empty(); // parsed whole below: a damaged object fails its checksum first, else this is named
            }
            // Read to its end (the parser reached it when it tokenized the rest, unless it stopped
            // at a fault): the codec checks the object's checksum there, so a damaged manifest
            // fails here, naming it, as a whole read does (and an S3 connection is not dropped for
            // an object left unread).
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (dev.pgvault.storage.codec.CorruptObjectException | dev.pgvault.storage.codec.WrongKeyException e) {
            throw named(id, e);
        }
        return header.isPresent() ? header.get() : read(id).header();
    }

    /**
     * Backup {@code id}'s header with its {@link BackupHeader#totals}, for showing it: from the
     * header when the manifest records them, else from a whole read (a manifest written before
     * they were). The rest is {@link Rest#CHECKSUMMED}: what a restore reads of a backup it does not use.
     */
    public BackupHeader headerWithTotals(String id) throws IOException {
        byte[] json = bytes(id); // read once: a manifest without totals is parsed from the same bytes
        Optional<BackupHeader> header;
        try {
            header = ManifestJson.readHeader(new java.io.ByteArrayInputStream(json), false);
        } catch (ManifestJson.MalformedManifestException e) {
            header = Optional.empty(); // parsed whole below, which names the fault
        }
        if (header.isPresent() && header.get().totals() != null) {
            return header.get();
        }
        return parsed(id, json).header();
    }

    public Optional<Manifest> find(String id) throws IOException {
        if (repo.blobs().stat(layout.manifestKey(id)).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(read(id));
    }

    /**
     * The manifest of backup {@code id}. A damaged or malformed one fails naming the backup and
     * the object: the codec's and the parser's own messages say what is wrong, not where.
     */
    public Manifest read(String id) throws IOException {
        return parsed(id, bytes(id));
    }

    /** Backup {@code id}'s manifest, read to its end: the decoder checks the checksum only there, and a JSON parser would stop at the closing brace. */
    private byte[] bytes(String id) throws IOException {
        try (InputStream in = opened(id)) {
            return in.readAllBytes();
        } catch (dev.pgvault.storage.codec.CorruptObjectException | dev.pgvault.storage.codec.WrongKeyException e) {
            throw named(id, e);
        }
    }

    private Manifest parsed(String id, byte[] json) throws IOException {
        try {
            return ManifestJson.read(new java.io.ByteArrayInputStream(json));
        } catch (IOException e) {
            throw new IOException(where(id) + e.getMessage(), e);
        }
    }

    /** Backup {@code id}'s manifest object, opened; a damaged or foreign one fails naming it. */
    private InputStream opened(String id) throws IOException {
        try {
            return repo.get(layout.manifestKey(id));
        } catch (dev.pgvault.storage.codec.CorruptObjectException | dev.pgvault.storage.codec.WrongKeyException e) {
            throw named(id, e);
        }
    }

    private String where(String id) {
        return "backup " + id + ": manifest " + layout.manifestKey(id) + " in " + repo.describe() + ": ";
    }

    /** {@code e} saying which object: the codec's own message says what is wrong, not where. */
    private IOException named(String id, IOException e) {
        if (e.getMessage() != null && e.getMessage().startsWith(where(id))) {
            return e; // named already
        }
        if (e instanceof dev.pgvault.storage.codec.WrongKeyException) {
            // A damaged header reads as a wrong key too: say which object, so the operator can
            // tell one bad manifest from a wrong passphrase for the whole repository.
            return (IOException) new dev.pgvault.storage.codec.WrongKeyException(where(id) + e.getMessage()).initCause(e);
        }
        return new dev.pgvault.storage.codec.CorruptObjectException(where(id) + e.getMessage(), e);
    }

    /** Every backup directory with what it holds, by id in id order (oldest first): one listing. */
    public SortedMap<String, BackupDirectory> directories() throws IOException {
        String prefix = layout.backupPrefix();
        Map<String, List<BlobInfo>> objects = new TreeMap<>();
        try (Stream<BlobInfo> blobs = repo.blobs().list(prefix)) {
            blobs.forEach(b -> {
                String rest = b.key().substring(prefix.length());
                int slash = rest.indexOf('/');
                if (slash > 0) {
                    objects.computeIfAbsent(rest.substring(0, slash), k -> new ArrayList<>()).add(b);
                }
            });
        }
        SortedMap<String, BackupDirectory> out = new TreeMap<>();
        objects.forEach((id, list) -> {
            String dir = layout.backupDir(id);
            boolean complete = list.stream().anyMatch(b -> b.key().equals(dir + MANIFEST));
            boolean pinned = list.stream().anyMatch(b -> b.key().equals(dir + KEEP));
            out.put(id, new BackupDirectory(id, complete, pinned, list));
        });
        return out;
    }

    /** Ids of the complete backups that are pinned. */
    public Set<String> pinned() throws IOException {
        Set<String> ids = new TreeSet<>();
        for (BackupDirectory d : directories().values()) {
            if (d.complete() && d.pinned()) {
                ids.add(d.id());
            }
        }
        return ids;
    }

    /** Ids of the complete backups (those with a manifest), oldest first, without reading a manifest. */
    public List<String> completeIds() throws IOException {
        return new ArrayList<>(ids(true));
    }

    /** Ids of backup directories that hold objects but no manifest. */
    public List<String> incomplete() throws IOException {
        TreeSet<String> all = ids(false);
        all.removeAll(ids(true));
        return new ArrayList<>(all);
    }

    private TreeSet<String> ids(boolean withManifest) throws IOException {
        String prefix = layout.backupPrefix();
        TreeSet<String> ids = new TreeSet<>();
        try (Stream<BlobInfo> blobs = repo.blobs().list(prefix)) {
            blobs.forEach(b -> {
                String rest = b.key().substring(prefix.length());
                int slash = rest.indexOf('/');
                if (slash > 0 && (!withManifest || rest.substring(slash + 1).equals(MANIFEST))) {
                    ids.add(rest.substring(0, slash));
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause(); // a listing that fails part-way (a store's later page) is the store's IOException
        }
        return ids;
    }
}
