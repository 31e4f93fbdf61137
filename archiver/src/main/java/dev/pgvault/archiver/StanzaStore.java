package dev.pgvault.archiver;

import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.BlobWriter;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.DecodingStream;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.KdfParams;
import dev.pgvault.storage.codec.WrongKeyException;
import java.io.IOException;
import java.util.Optional;

/** A stanza's record of which cluster it belongs to (cluster.json). */
public final class StanzaStore {
    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private Optional<KdfParams> recordedKdf = Optional.empty();

    public StanzaStore(EncodedStore repo, RepositoryLayout layout) {
        this.repo = repo;
        this.layout = layout;
    }

    /**
     * The stanza's cluster, or empty before {@code init}. In an encrypted repository, the store
     * then writes new objects with the stanza's key derivation, which the header of cluster.json
     * records (see {@link KdfParams}); a stanza made before per-stanza salts keeps its fixed-label
     * derivation until {@link #renewKdf()}.
     */
    public Optional<ClusterIdentity> identity() throws IOException {
        try (DecodingStream in = repo.get(layout.clusterKey())) {
            ClusterIdentity cluster = ClusterIdentity.fromJson(in.readAllBytes()); // to its end: verified
            recordedKdf = in.kdf();
            // A stanza made before per-stanza salts keeps writing the derivation it has (so that a
            // reader, an older pgvault on another host included, derives once for all of it) until
            // init gives it a salt of its own.
            recordedKdf.ifPresent(repo::useStanzaKdf);
            return Optional.of(cluster);
        } catch (BlobNotFoundException e) {
            return Optional.empty();
        } catch (WrongKeyException e) {
            throw new WrongKeyException("stanza record " + layout.clusterKey() + ": " + e.getMessage());
        } catch (CorruptObjectException e) {
            // a damaged record stops every command: say which object it is
            throw new CorruptObjectException("stanza record " + layout.clusterKey() + " is damaged: " + e.getMessage(), e);
        }
    }

    /**
     * Gives an encrypted stanza a new random key-derivation salt, with the configured iteration
     * count, when it has none of its own (made before per-stanza salts) or a lower count than
     * configured: cluster.json is written again with it, and every writer takes it from there.
     * Objects already written keep theirs, which their headers record. Returns the new
     * derivation; empty when nothing changed (or the repository is not encrypted).
     */
    public Optional<KdfParams> renewKdf() throws IOException {
        ClusterIdentity cluster = requireIdentity();
        Optional<Integer> configured = repo.configuredKdfIterations();
        if (configured.isEmpty() || recordedKdf.isEmpty()) {
            return Optional.empty();
        }
        KdfParams now = recordedKdf.get();
        if (!now.isLegacy() && now.iterations() >= configured.get()) {
            return Optional.empty();
        }
        KdfParams renewed = KdfParams.fresh(configured.get());
        repo.useStanzaKdf(renewed);
        repo.put(layout.clusterKey(), BlobWriter.of(cluster.toJson()));
        recordedKdf = Optional.of(renewed);
        return recordedKdf;
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
            recordedKdf = repo.writeKdf(); // the salt this process chose is now the stanza's
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
