package dev.pgvault.archiver.expire;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.HistoryFiles;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupCatalog;
import dev.pgvault.archiver.backup.BackupDirectory;
import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.backup.BackupId;
import dev.pgvault.archiver.backup.BackupStop;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.StorageException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Retention carried out: decides with {@link RetentionPlan} and {@link WalRetention}, then
 * removes, in an order that a kill at any point leaves safe.
 * <ol>
 * <li>each expired backup, oldest first: its manifest first (from then on it is not a backup and
 *     no restore can choose it), then its other objects;
 * <li>then the WAL no kept backup needs;
 * <li>then the directories of backups that never wrote a manifest (killed), once nothing was
 *     written there for the garbage age.
 * </ol>
 * A kill between steps leaves objects without a manifest, which the next expire collects as
 * garbage; never a listed backup with missing objects, nor a kept backup without its WAL.
 *
 * <p>The caller holds the stanza's backup lock on this host, or names the backup this host is
 * running ({@code runningHere}), which is left alone; the garbage age protects a backup running
 * on another host. Running beside a backup is safe: a backup in progress started after every
 * kept backup, so none of the WAL expire removes is its own.
 */
public final class Expire {
    /** Keys removed per request and per progress line: small enough that a kill lands between many steps. */
    static final int CHUNK = 256;

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final ExpireOptions options;
    private final Consumer<String> progress;

    /** {@code progress} hears one line before each removal step (for --verbose). */
    public Expire(EncodedStore repo, RepositoryLayout layout, ExpireOptions options, Consumer<String> progress) {
        this.repo = repo;
        this.layout = layout;
        this.options = options;
        this.progress = progress;
    }

    public Expire(EncodedStore repo, RepositoryLayout layout, ExpireOptions options) {
        this(repo, layout, options, line -> { });
    }

    public ExpireReport run() throws IOException {
        return run(Set.of());
    }

    /** {@code runningHere}: ids of backups this host is writing now; their objects stay. */
    public ExpireReport run(Set<String> runningHere) throws IOException {
        ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
        Instant now = options.clock().instant();
        BackupCatalog catalog = new BackupCatalog(repo, layout);
        SortedMap<String, BackupDirectory> dirs = catalog.directories();

        List<String> complete = new ArrayList<>();
        List<String> pinned = new ArrayList<>();
        for (BackupDirectory d : dirs.values()) {
            if (d.complete()) {
                complete.add(d.id());
                if (d.pinned()) {
                    pinned.add(d.id());
                }
            }
        }
        List<BackupHeader> backups = new ArrayList<>(catalog.readEach(complete, id -> header(catalog, id)));
        backups.sort(BackupStop.BY_STOP);
        List<BackupVerdict> verdicts = RetentionPlan.decide(backups, Set.copyOf(pinned), options.policy(), now);

        List<ExpireReport.ExpiredBackup> expired = new ArrayList<>();
        for (BackupVerdict v : verdicts) {
            if (!v.keep()) {
                BackupDirectory d = dirs.get(v.backup().id());
                expired.add(new ExpireReport.ExpiredBackup(v, d.objects().size(), d.storedBytes()));
            }
        }
        // With no rule set, only killed backups' garbage goes: nothing says which WAL is old enough.
        List<BlobInfo> wal = options.policy().isSet() ? removableWal(cluster, verdicts) : List.of();
        List<ExpireReport.Garbage> garbage = new ArrayList<>();
        List<ExpireReport.Garbage> garbageLeft = new ArrayList<>();
        for (BackupDirectory d : dirs.values()) {
            if (!d.complete()) {
                Instant lastWritten = lastWritten(d);
                boolean running = runningHere.contains(d.id());
                ExpireReport.Garbage g = new ExpireReport.Garbage(d.id(), d.objects().size(), d.storedBytes(), lastWritten,
                        running);
                (running || lastWritten.plus(options.garbageAge()).isAfter(now) ? garbageLeft : garbage).add(g);
            }
        }

        if (!options.dryRun()) {
            for (ExpireReport.ExpiredBackup e : expired) {
                removeBackup(dirs.get(e.verdict().backup().id()));
            }
            remove("WAL", wal.stream().map(BlobInfo::key).toList());
            for (ExpireReport.Garbage g : garbage) {
                remove("incomplete backup " + g.id(), dirs.get(g.id()).objects().stream().map(BlobInfo::key).toList());
            }
        }
        return new ExpireReport(options.policy(), options.dryRun(), verdicts, expired, walRanges(wal), garbage,
                garbageLeft);
    }

    /** Backup {@code id}'s header: retention needs no file lists (its manifest is still read through and checked). */
    private BackupHeader header(BackupCatalog catalog, String id) throws IOException {
        try {
            return catalog.header(id);
        } catch (StorageException e) {
            throw e;
        } catch (IOException e) {
            // Without it, which WAL the backup needs is unknown: removing nothing is the only safe answer.
            throw new CorruptObjectException("cannot read the manifest of backup " + id + " (" + e.getMessage()
                    + "): expire removed nothing; run 'pgvault verify'", e);
        }
    }

    /** The manifest first: from then on the backup is not listed, and what remains is garbage. */
    private void removeBackup(BackupDirectory d) throws IOException {
        String manifest = layout.manifestKey(d.id());
        progress.accept("removing backup " + d.id() + ": its manifest");
        repo.blobs().delete(manifest);
        remove("backup " + d.id(), d.objects().stream().map(BlobInfo::key).filter(k -> !k.equals(manifest)).toList());
    }

    private void remove(String what, List<String> keys) throws IOException {
        for (int from = 0; from < keys.size(); from += CHUNK) {
            int to = Math.min(keys.size(), from + CHUNK);
            progress.accept("removing " + what + ": " + (from + 1) + ".." + to + " of " + keys.size()
                    + (what.equals("WAL") ? " files" : " objects"));
            repo.blobs().deleteAll(keys.subList(from, to));
        }
    }

    /** When a directory was last written to: its newest object, or its id's start if later. */
    private static Instant lastWritten(BackupDirectory d) {
        Instant written = d.lastWritten();
        Optional<Instant> started = BackupId.startOf(d.id());
        return started.isPresent() && started.get().isAfter(written) ? started.get() : written;
    }

    private List<BlobInfo> removableWal(ClusterIdentity cluster, List<BackupVerdict> verdicts) throws IOException {
        List<BlobInfo> objects;
        try (Stream<BlobInfo> s = repo.blobs().list(layout.walPrefix())) {
            objects = s.toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Map<Integer, TimelineHistory> histories = new HashMap<>();
        List<Map.Entry<WalFileName, BlobInfo>> files = new ArrayList<>();
        for (BlobInfo b : objects) {
            WalFileName name;
            try {
                name = WalFileName.parse(b.key().substring(b.key().lastIndexOf('/') + 1));
            } catch (IllegalArgumentException e) {
                continue; // not a WAL file: not expire's to judge
            }
            if (!layout.walKey(name).equals(b.key())) {
                continue; // misplaced: archive-get never reads it, verify warns about it
            }
            if (name.kind() == WalFileKind.HISTORY) {
                HistoryFiles.read(repo, layout, name).ifPresent(h -> histories.put(h.timeline(), h));
            } else {
                files.add(Map.entry(name, b));
            }
        }
        WalRetention retention = new WalRetention(cluster.walSegmentSize(), histories, verdicts);
        List<BlobInfo> removable = new ArrayList<>();
        for (Map.Entry<WalFileName, BlobInfo> f : files) {
            if (retention.removable(f.getKey())) {
                removable.add(f.getValue());
            }
        }
        removable.sort(Comparator.comparing(BlobInfo::key));
        return removable;
    }

    private static List<ExpireReport.WalRange> walRanges(List<BlobInfo> removed) {
        Map<Integer, List<BlobInfo>> byTimeline = new TreeMap<>();
        for (BlobInfo b : removed) {
            WalFileName n = WalFileName.parse(b.key().substring(b.key().lastIndexOf('/') + 1));
            byTimeline.computeIfAbsent(n.timeline(), t -> new ArrayList<>()).add(b);
        }
        List<ExpireReport.WalRange> out = new ArrayList<>();
        byTimeline.forEach((tli, list) -> {
            list.sort(Comparator.comparing(BlobInfo::key));
            long bytes = list.stream().mapToLong(BlobInfo::size).sum();
            out.add(new ExpireReport.WalRange(tli, name(list.get(0)), name(list.get(list.size() - 1)), list.size(), bytes));
        });
        return out;
    }

    private static String name(BlobInfo b) {
        return b.key().substring(b.key().lastIndexOf('/') + 1);
    }
}
