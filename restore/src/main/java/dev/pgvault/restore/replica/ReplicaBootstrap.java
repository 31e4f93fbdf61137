package dev.pgvault.restore.replica;

import dev.pgvault.archiver.StanzaMismatchException;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.pg.PgException;
import dev.pgvault.restore.RecoverySetup;
import dev.pgvault.restore.Restore;
import dev.pgvault.restore.DeltaSummary;
import dev.pgvault.restore.RestorePlan;
import dev.pgvault.restore.RestoreResult;
import dev.pgvault.restore.recovery.RecoveryTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A standby built from the repository instead of from the primary's disks:
 * <ol>
 * <li>plan the restore of the newest backup (or the one named) into an empty PGDATA, or with
 *     delta over a stopped one (a standby to reseed): nothing written;
 * <li>with createSlot, on the primary: check it is the backup's cluster, then create the physical
 *     slot (it keeps WAL from now on) or reuse an inactive physical one; an active or logical slot
 *     of that name is a {@link SlotConflictException}, and nothing is written;
 * <li>restore in parallel, then write standby.signal and the {@link StandbySettings} last; a
 *     password from the connection string into an owner-only passfile in PGDATA that
 *     primary_conninfo names, never into postgresql.auto.conf;
 * <li>optionally start PostgreSQL and wait until it accepts connections.
 * </ol>
 * The standby replays the archive through restore_command from the backup's start until the
 * archive runs out, then streams from the primary; it falls back to the archive whenever streaming
 * breaks. A slot this bootstrap created is dropped again when the restore fails, so it does not
 * hold the primary's WAL for a standby that never comes.
 */
public final class ReplicaBootstrap {
    private final Restore restore;
    private final Primary.Connector primaries;
    private final ServerControl server;

    public ReplicaBootstrap(Restore restore, Primary.Connector primaries, ServerControl server) {
        this.restore = restore;
        this.primaries = primaries;
        this.server = server;
    }

    public ReplicaResult create(ReplicaRequest req) throws IOException, InterruptedException, PgException {
        Path pgdata = req.pgdata().toAbsolutePath();
        ConnInfo written = req.primary();
        Map<String, String> privateFiles = Map.of();
        Path passfile = null;
        Optional<String> password = req.primary().get(ConnInfo.PASSWORD);
        if (password.isPresent()) {
            passfile = pgdata.resolve(PassFile.NAME);
            privateFiles = Map.of(PassFile.NAME, PassFile.line(password.get()));
            written = written.without(ConnInfo.PASSWORD).with(ConnInfo.PASSFILE, passfile.toString());
        }
        RecoverySetup setup = new RecoverySetup(RecoverySetup.Signal.STANDBY,
                StandbySettings.lines(written, req.slot(), req.restoreCommand(), req.port()), privateFiles,
                "pgvault replica create");

        RestorePlan plan = restore.plan(pgdata, req.backupId(), new RecoveryTarget.EndOfArchive(), req.delta(),
                req.tablespaces(), req.configuredPgdata());
        ReplicaResult.SlotOutcome slot = req.slot() == null ? ReplicaResult.SlotOutcome.NONE
                : req.createSlot() ? prepareSlot(req, plan.manifest()) : ReplicaResult.SlotOutcome.NAMED;

        RestoreResult restored;
        try {
            DeltaSummary delta = null;
            if (req.delta()) {
                Restore.DeltaPlan d = restore.prepareDelta(plan, pgdata, req.trustTimes());
                plan = d.plan();
                delta = d.summary();
            }
            RestoreResult r = restore.run(plan, pgdata, setup);
            restored = new RestoreResult(r.backupId(), r.pgdata(), r.files(), r.bytes(), r.elapsed(), r.settings(), r.skipped(),
                    delta);
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (slot == ReplicaResult.SlotOutcome.CREATED) {
                dropQuietly(req, e);
            }
            throw e;
        }
        Path log = null;
        if (req.startTimeout() != null) {
            log = pgdata.resolve("log").resolve("pgvault-start.log");
            server.start(pgdata, log, req.startTimeout());
        }
        return new ReplicaResult(restored, written.toString(), req.slot(), slot, passfile, log);
    }

    private ReplicaResult.SlotOutcome prepareSlot(ReplicaRequest req, Manifest backup) throws PgException, IOException {
        try (Primary primary = primaries.open(req.primary())) {
            long sysid = primary.systemIdentifier();
            if (sysid != backup.cluster().systemIdentifier()) {
                throw new StanzaMismatchException("the primary " + req.primary().describe() + " is another cluster than backup "
                        + backup.id() + ": system identifier " + Long.toUnsignedString(sysid) + ", the backup's "
                        + backup.cluster().systemIdentifierText() + "; nothing was changed");
            }
            Optional<Primary.Slot> existing = primary.slot(req.slot());
            if (existing.isEmpty()) {
                primary.createPhysicalSlot(req.slot());
                return ReplicaResult.SlotOutcome.CREATED;
            }
            Primary.Slot s = existing.get();
            if (!s.physical()) {
                throw new SlotConflictException("replication slot '" + s.name() + "' on the primary " + req.primary().describe()
                        + " is a logical slot: a standby needs a physical one; choose another --slot name; nothing was changed");
            }
            if (s.active()) {
                throw new SlotConflictException("replication slot '" + s.name() + "' on the primary " + req.primary().describe()
                        + " is in use" + (s.activePid() == null ? "" : " (walsender pid " + s.activePid() + ")")
                        + " by another standby: choose another --slot name, or drop the slot once that standby is gone;"
                        + " nothing was changed");
            }
            return ReplicaResult.SlotOutcome.REUSED;
        }
    }

    private void dropQuietly(ReplicaRequest req, Exception failure) {
        try (Primary primary = primaries.open(req.primary())) {
            primary.dropSlot(req.slot());
        } catch (PgException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
