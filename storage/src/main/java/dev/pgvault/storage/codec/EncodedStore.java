package dev.pgvault.storage.codec;

import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobWriter;
import java.io.IOException;
import java.util.Optional;

/**
 * A blob store whose objects are all written through {@link ObjectEncoder} and read through
 * {@link ObjectDecoder}: what the rest of pgvault uses for the repository, so no code path can
 * store an unchecksummed or unencrypted object by accident.
 */
public final class EncodedStore implements AutoCloseable {
    private final BlobStore blobs;
    private final CodecSpec spec;
    private volatile ObjectEncoder encoder;
    private final ObjectDecoder decoder = new ObjectDecoder();

    public EncodedStore(BlobStore blobs, CodecSpec spec) {
        this.blobs = blobs;
        this.spec = spec;
        this.encoder = new ObjectEncoder(spec);
    }

    /** Encodes {@code plain} and stores it under {@code key} (see {@link BlobStore#put}). */
    public ObjectDigest put(String key, BlobWriter plain) throws IOException {
        return put(key, 0, plain);
    }

    /**
     * Like {@link #put(String, BlobWriter)}, letting the compressor use up to {@code
     * compressThreads} background threads (see {@link ObjectEncoder#open(java.io.OutputStream, int)}).
     */
    public ObjectDigest put(String key, int compressThreads, BlobWriter plain) throws IOException {
        return put(encoder, key, compressThreads, plain);
    }

    /**
     * Like {@link #put(String, BlobWriter)} for an object soon replaced or removed, written for its
     * durability alone (what wal-receive stores of a segment in progress, which the complete
     * segment then stores again): compressed with LZ4, about twice zstd level 3's speed, when the
     * repository compresses at all; encrypted and bound to its key as every object. Readers need
     * nothing of this: an object's header names its compression.
     */
    public ObjectDigest putLightlyCompressed(String key, BlobWriter plain) throws IOException {
        CodecSpec spec = encoder.spec();
        ObjectEncoder light = spec.compression() == Compression.NONE ? encoder
                : new ObjectEncoder(new CodecSpec(Compression.LZ4, Compression.LZ4.defaultLevel(), spec.key()));
        return put(light, key, 0, plain);
    }

    private ObjectDigest put(ObjectEncoder with, String key, int compressThreads, BlobWriter plain) throws IOException {
        ObjectDigest[] digest = new ObjectDigest[1];
        blobs.put(key, out -> digest[0] = encode(with, key, plain, out, compressThreads));
        return digest[0];
    }

    /**
     * Encodes and stores only if nothing is stored under {@code key} (see {@link
     * BlobStore#create}); empty when something already was.
     */
    public Optional<ObjectDigest> create(String key, BlobWriter plain) throws IOException {
        ObjectDigest[] digest = new ObjectDigest[1];
        boolean created = blobs.create(key, out -> digest[0] = encode(encoder, key, plain, out, 0));
        return created ? Optional.of(digest[0]) : Optional.empty();
    }

    /** Every object is bound to its key: read under another one, it is refused (see {@link ObjectHeader}). */
    private static ObjectDigest encode(ObjectEncoder encoder, String key, BlobWriter plain, java.io.OutputStream out,
            int compressThreads) throws IOException {
        EncodingStream enc = encoder.open(out, compressThreads, key);
        try {
            plain.writeTo(enc);
        } catch (IOException | RuntimeException e) {
            // Free the compressor's native memory; the store discards what was written.
            try {
                enc.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        enc.close();
        return enc.result();
    }

    /**
     * The plain bytes of the object under {@code key}; the stream throws at its end if the object
     * fails its checksum, length or authentication checks, and at once if it was written under
     * another key. Missing: BlobNotFoundException. Once
     * read to its end, the stream's {@link DecodingStream#result()} gives the verified digest, so
     * a caller that compares it with a record (verify) need not hash the bytes again.
     */
    public DecodingStream get(String key) throws IOException {
        return get(key, false);
    }

    /**
     * Like {@link #get(String)}, hashing on a second thread when {@code hashInBackground} (see
     * {@link ObjectDecoder#open(java.io.InputStream, Optional, boolean)}).
     */
    public DecodingStream get(String key, boolean hashInBackground) throws IOException {
        return decoder.open(blobs.get(key), spec.key(), hashInBackground, key);
    }

    /**
     * From now on, writes new objects with the stanza's key derivation {@code kdf} (recorded in
     * the header of its cluster.json), so that every object of the stanza shares one salt and a
     * reader derives its master key once. Nothing changes in a plain repository.
     */
    public void useStanzaKdf(KdfParams kdf) {
        spec.key().ifPresent(k -> encoder = new ObjectEncoder(spec.withKey(k.forStanza(kdf))));
    }

    /** The PBKDF2 iteration count configured for a new stanza salt; empty in a plain repository. */
    public Optional<Integer> configuredKdfIterations() {
        return spec.key().map(CipherKey::iterations);
    }

    /** The key derivation new objects get; empty in a plain repository. */
    public Optional<KdfParams> writeKdf() {
        return encoder.spec().key().map(CipherKey::writeKdf);
    }

    /** The raw store underneath, for listing, stat and delete. */
    public BlobStore blobs() {
        return blobs;
    }

    public String describe() {
        return blobs.describe();
    }

    @Override
    public void close() throws IOException {
        blobs.close();
    }
}
