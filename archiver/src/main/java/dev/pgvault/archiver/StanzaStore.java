package dev.pgvault.archiver;

import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** A stanza's record of which cluster it belongs to (cluster.json). */
public final class StanzaStore {
    private final EncodedStore repo;
    private final RepositoryLayout layout;

    public StanzaStore(EncodedStore repo, RepositoryLayout layout) {
        this.repo = repo;
        this.layout = layout;
    }

    public Optional<ClusterIdentity> identity() throws IOException {
        try (InputStream in = repo.get(layout.clusterKey())) {
            return Optional.of(ClusterIdentity.fromJson(in.readAllBytes()));
        } catch (BlobNotFoundException e) {
            return Optional.empty();
        }
    }

    /** The stanza's identity, or {@link StanzaNotInitializedException} naming the fix. */
    public ClusterIdentity requireIdentity() throws IOException {
        return identity().orElseThrow(() -> new StanzaNotInitializedException("stanza '" + layout.stanza()
                + "' is not initialized in " + repo.describe() + ": run 'pgvault init' on the database host"));
    }

    /**
     * Records {@code cluster} as the stanza's cluster. Idempotent for the same cluster; refuses a
     * stanza that another cluster already holds. Returns whether this call created the record.
     */
    public boolean init(ClusterIdentity cluster) throws IOException {
        if (repo.create(layout.clusterKey(), BlobWriter.of(cluster.toJson())).isPresent()) {
            return true;
        }
        ClusterIdentity existing = requireIdentity();
        if (!existing.sameClusterAs(cluster)) {
            throw new StanzaMismatchException("stanza '" + layout.stanza() + "' in " + repo.describe()
                    + " belongs to another cluster: system identifier " + existing.systemIdentifierText()
                    + ", PostgreSQL " + existing.pgVersionNum() + "; this cluster is "
                    + cluster.systemIdentifierText() + ", PostgreSQL " + cluster.pgVersionNum()
                    + " (use another stanza name)");
        }
        return false;
    }
}
