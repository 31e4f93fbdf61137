package dev.pgvault.storage.codec;

import java.io.IOException;

/**
 * The key at hand does not fit the object: the passphrase is wrong (or the header that binds the
 * key is damaged), the object is encrypted and no passphrase is set, or it is plain while the
 * repository is encrypted. Messages never contain key material.
 */
public class WrongKeyException extends IOException {
    public WrongKeyException(String message) {
        super(message);
    }
}
