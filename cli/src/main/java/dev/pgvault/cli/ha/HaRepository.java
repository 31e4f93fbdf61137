package dev.pgvault.cli.ha;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupCatalog;
import dev.pgvault.archiver.pg.PgSession;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.Repository;
import dev.pgvault.ha.pg.Upstream;
import dev.pgvault.restore.RecoveryConfig;
import dev.pgvault.restore.recovery.RecoveryOptions;
import dev.pgvault.restore.Restore;
import dev.pgvault.restore.TablespaceRemap;
import dev.pgvault.restore.RestoreRequest;
import dev.pgvault.restore.replica.ConnInfo;
import dev.pgvault.restore.replica.JdbcPrimary;
import dev.pgvault.restore.replica.PgCtl;
import dev.pgvault.restore.replica.ReplicaBootstrap;
import dev.pgvault.restore.replica.ReplicaRequest;
import dev.pgvault.storage.codec.EncodedStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/** The HA agent's view of pgvault's repository: stanza init after bootstrap, replicas from backups. */
public final class HaRepository implements Repository {
    private final PgvaultConfig config;
    private final Supplier<EncodedStore> opener;
    private final Path launcher;

    /** {@code opener} opens the repository for one operation (the caller's store is closed after it). */
    public HaRepository(PgvaultConfig config, Supplier<EncodedStore> opener, Path launcher) {
        this.config = config;
        this.opener = opener;
        this.launcher = launcher;
    }

    private RepositoryLayout layout() {
        return new RepositoryLayout(config.stanza());
    }

    @Override
    public void initStanza() throws PgControlException {
        try (PgSession pg = PgSession.connect(config.pg().target()); EncodedStore repo = opener.get()) {
            ClusterIdentity identity = pg.identity();
            new StanzaStore(repo, layout()).init(identity);
        } catch (Exception e) {
            throw new PgControlException("stanza '" + config.stanza() + "' init failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean hasBackup() throws PgControlException {
        try (EncodedStore repo = opener.get()) {
            // as the restore it gates reads them: each manifest's checksum checked, the lists not parsed
            return !new BackupCatalog(repo, layout()).headers(BackupCatalog.Rest.CHECKSUMMED).isEmpty();
        } catch (Exception e) {
            throw new PgControlException("cannot list backups of stanza '" + config.stanza() + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void restoreLatest(Duration timeout) throws PgControlException {
        RestoreRequest request = new RestoreRequest(config.pg().data(), null, RecoveryOptions.endOfArchive(),
                RecoveryConfig.restoreCommand(launcher, config.source().toAbsolutePath()));
        try (EncodedStore repo = opener.get()) {
            new Restore(repo, layout(), config.processMax(), Clock.systemUTC()).run(request);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new PgControlException("restore of the newest backup failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void seedReplica(Upstream upstream, Duration timeout) throws PgControlException {
        replica(upstream, false, "restore from the repository failed: ");
    }

    @Override
    public void reseedReplica(Upstream upstream, Duration timeout) throws PgControlException {
        replica(upstream, true, "delta restore from the repository failed: ");
    }

    private void replica(Upstream upstream, boolean delta, String failure) throws PgControlException {
        ConnInfo primary = new ConnInfo(Map.of("host", upstream.host(), "port", Integer.toString(upstream.port()),
                "user", config.pg().user(), "dbname", config.pg().database()));
        ReplicaRequest request = new ReplicaRequest(config.pg().data(), null, primary, null, false,
                RecoveryConfig.restoreCommand(launcher, config.source().toAbsolutePath()), config.pg().port(), null, delta,
                TablespaceRemap.NONE, null, delta && config.ha() != null && config.ha().reseedTrustTimes());
        try (EncodedStore repo = opener.get()) {
            Restore restore = new Restore(repo, layout(), config.processMax(), Clock.systemUTC());
            new ReplicaBootstrap(restore, JdbcPrimary::connect, new PgCtl(config.pg().bin())).create(request);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new PgControlException(failure + e.getMessage(), e);
        }
    }
}
