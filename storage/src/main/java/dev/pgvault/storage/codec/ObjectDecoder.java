package dev.pgvault.storage.codec;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Reads repository objects: the write chain of {@link ObjectEncoder} run backwards. Compression
 * and cipher come from the object's header, never from configuration; the key is the only input.
 * Thread-safe; each stream is not.
 */
public final class ObjectDecoder {

    /**
     * Reads and checks the header of {@code stored} and returns its plain bytes, verified at the
     * end (see {@link DecodingStream}). Closing the result closes {@code stored}; so does a
     * failure here.
     *
     * @throws WrongKeyException the object is encrypted and {@code key} is empty or does not fit,
     *     or it is plain while a key is given (a plain object in an encrypted repository could have
     *     been put there by anyone with write access)
     * @throws CorruptObjectException the header or the first compressed bytes are damaged
     */
    public DecodingStream open(InputStream stored, Optional<CipherKey> key) throws IOException {
        return open(stored, key, false);
    }

    /**
     * Like {@link #open(InputStream, Optional)}; with {@code hashInBackground}, the plain bytes
     * are hashed on a thread of their own while the reading thread decompresses (see {@link
     * BackgroundSha256}). Worth it for objects of many megabytes that bound a restore's time; a
     * small object is over before the second thread pays off.
     */
    public DecodingStream open(InputStream stored, Optional<CipherKey> key, boolean hashInBackground) throws IOException {
        return open(stored, key, hashInBackground, null);
    }

    /**
     * Like {@link #open(InputStream, Optional, boolean)}, for the object stored under {@code
     * storedKey}: an object whose header binds it to another key (it was moved or swapped in the
     * repository) is refused with {@link CorruptObjectException} before a byte is read. Objects of
     * format 1 carry no key and are not checked; null checks nothing.
     */
    public DecodingStream open(InputStream stored, Optional<CipherKey> key, boolean hashInBackground, String storedKey)
            throws IOException {
        CountingInputStream counted = new CountingInputStream(stored);
        try {
            ObjectHeader header = ObjectHeader.read(counted);
            if (storedKey != null && header.boundKey().isPresent() && !header.boundKey().get().equals(storedKey)) {
                throw new CorruptObjectException("object under " + storedKey + " was written as " + header.boundKey().get()
                        + ": it was moved or swapped in the repository");
            }
            InputStream body = counted;
            if (header.encryption().isPresent()) {
                body = decrypting(counted, header, key.orElseThrow(
                        () -> new WrongKeyException("object is encrypted: repo cipher-pass-file is not set")));
            } else if (key.isPresent()) {
                throw new WrongKeyException("object is not encrypted but repo cipher-pass-file is set: refusing a plain object in an encrypted repository");
            }
            TrailerSplittingInputStream split = new TrailerSplittingInputStream(body, header.encode());
            InputStream decompressor;
            try {
                decompressor = header.compression().decompressor(split);
            } catch (IOException | RuntimeException e) {
                throw DecodingStream.translate(split, header.compression(), e);
            }
            return new DecodingStream(counted, split, decompressor, header.compression(),
                    hashInBackground ? new BackgroundSha256() : null, header.encryption().map(ObjectHeader.Encryption::kdf));
        } catch (IOException | RuntimeException e) {
            try {
                counted.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static InputStream decrypting(InputStream in, ObjectHeader header, CipherKey key) throws IOException {
        ObjectHeader.Encryption e = header.encryption().orElseThrow();
        ObjectKeys keys = ObjectKeys.derive(key.masterKey(e.kdf()), e.salt());
        if (!MessageDigest.isEqual(keys.keyCheck(), e.keyCheck())) {
            throw new WrongKeyException("cannot decrypt object: wrong passphrase or corrupted object header");
        }
        return new ChunkDecryptingInputStream(in, new ChunkCipher(keys.aesKey(), header.encode(), e.noncePrefix()));
    }
}
