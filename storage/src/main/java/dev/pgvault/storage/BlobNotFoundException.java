package dev.pgvault.storage;

/** There is no blob under the key asked for. */
public class BlobNotFoundException extends StorageException {
    private final String key;

    public BlobNotFoundException(String store, String key) {
        super("no object '" + key + "' in " + store);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
