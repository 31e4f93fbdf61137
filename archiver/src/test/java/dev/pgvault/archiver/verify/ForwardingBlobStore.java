package dev.pgvault.archiver.verify;

import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.BlobStore;
import dev.pgvault.storage.BlobWriter;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;
import java.util.stream.Stream;

/** A store that passes every call to another: tests override the calls they make fail or slow. */
public abstract class ForwardingBlobStore implements BlobStore {
    protected final BlobStore store;

    protected ForwardingBlobStore(BlobStore store) {
        this.store = store;
    }

    @Override
    public void put(String key, BlobWriter content) throws IOException {
        store.put(key, content);
    }

    @Override
    public boolean create(String key, BlobWriter content) throws IOException {
        return store.create(key, content);
    }

    @Override
    public InputStream get(String key, long offset) throws IOException {
        return store.get(key, offset);
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws IOException {
        return store.stat(key);
    }

    @Override
    public Stream<BlobInfo> list(String prefix) throws IOException {
        return store.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        store.delete(key);
    }

    @Override
    public void deleteAll(Collection<String> keys) throws IOException {
        store.deleteAll(keys);
    }

    @Override
    public boolean atomicCreate() {
        return store.atomicCreate();
    }

    @Override
    public int readsAtOnce() {
        return store.readsAtOnce();
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
