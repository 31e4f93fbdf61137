package dev.pgvault.archiver.verify;

import dev.pgvault.archiver.ClusterIdentity;
import dev.pgvault.archiver.HistoryFiles;
import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.StanzaStore;
import dev.pgvault.archiver.backup.BackupCatalog;
import dev.pgvault.archiver.backup.BackupDirectory;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.backup.BackupTotals;
import dev.pgvault.archiver.backup.ManifestJson;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalContentCheck;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.WalFileName;
import dev.pgvault.storage.BlobInfo;
import dev.pgvault.storage.Progress;
import dev.pgvault.storage.BlobNotFoundException;
import dev.pgvault.storage.StorageException;
import dev.pgvault.storage.codec.CorruptObjectException;
import dev.pgvault.storage.codec.EncodedStore;
import dev.pgvault.storage.codec.WrongKeyException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Verifies a stanza: every object of every backup and every archived WAL file is read once, to
 * its end, by {@code processMax} workers, and checked against the manifests; then the WAL each
 * backup needs is checked for holes. Findings come back in a {@link VerifyReport}.
 *
 * <p>Throws {@link dev.pgvault.archiver.StanzaNotInitializedException} for a stanza without
 * cluster.json, and the store's own exceptions when it fails (a verify that cannot read the
 * repository concludes nothing). Not meant to run while expire removes objects: what vanishes
 * between the listing and the read is skipped, or reported missing.
 */
public final class Verifier {

    private final EncodedStore repo;
    private final RepositoryLayout layout;
    private final int processMax;
    private final Progress progress;

    public Verifier(EncodedStore repo, RepositoryLayout layout, int processMax) {
        this(repo, layout, processMax, Progress.NONE);
    }

    /** {@code progress} hears the stored bytes and objects to read, then each object as it is checked. */
    public Verifier(EncodedStore repo, RepositoryLayout layout, int processMax, Progress progress) {
        this.progress = progress;
        if (processMax < 1) {
            throw new IllegalArgumentException("process-max must be at least 1, not " + processMax);
        }
        this.repo = repo;
        this.layout = layout;
        this.processMax = processMax;
    }

    public VerifyReport run() throws IOException {
        ClusterIdentity cluster = new StanzaStore(repo, layout).requireIdentity();
        ExecutorService pool = Executors.newFixedThreadPool(processMax, workers());
        try {
            // One list in report order; the jobs run in any order, the report does not change.
            List<Future<CheckResult>> results = new ArrayList<>();
            SortedMap<String, BackupDirectory> dirs = new BackupCatalog(repo, layout).directories();
            List<String> ids = new ArrayList<>();
            Set<String> pinned = new TreeSet<>();
            for (BackupDirectory d : dirs.values()) {
                if (d.complete()) {
                    ids.add(d.id());
                    if (d.pinned()) {
                        pinned.add(d.id());
                    }
                }
            }
            List<Manifest> manifests = new ArrayList<>();
            long totalBytes = 0;
            long totalChecks = 0;
            Map<String, List<ManifestCheck.Reference>> references = new java.util.TreeMap<>();
            for (String id : ids) {
                Manifest m = readManifest(id, results);
                if (m == null) {
                    continue;
                }
                manifests.add(m);
                ManifestCheck.Result checked = ManifestCheck.check(id, m, layout);
                results.add(done(checked.problems()));
                if (!checked.references().isEmpty()) {
                    references.put(id, checked.references());
                }
                for (ManifestCheck.ObjectFiles o : checked.objects()) {
                    results.add(pool.submit(counted(new BackupObjectCheck(repo, id, o.key(), o.object(), o.files()))));
                    totalBytes += o.object().storedSize();
                    totalChecks++;
                }
            }
            for (BackupDirectory d : dirs.values()) {
                if (!d.complete()) {
                    results.add(done(List.of(Problem.incompleteBackup(d.id(), layout.backupDir(d.id())))));
                }
            }
            List<WalFileName> archived = new ArrayList<>();
            WalContentCheck contentCheck = new WalContentCheck(cluster.systemIdentifier(), cluster.walSegmentSize());
            Map<BlobInfo, WalFileName> walNames = new java.util.LinkedHashMap<>();
            for (BlobInfo blob : walObjects()) {
                WalFileName name = walName(blob.key(), results);
                if (name != null) {
                    walNames.put(blob, name);
                    if (layout.walKey(name).equals(blob.key())) {
                        archived.add(name);
                    }
                }
            }
            // read first: a segment that stops where its timeline ended is that timeline's true end
            Map<Integer, TimelineHistory> histories = new HashMap<>();
            Set<Integer> unreadable = new HashSet<>();
            readHistories(archived, histories, unreadable);
            for (Map.Entry<BlobInfo, WalFileName> w : walNames.entrySet()) {
                BlobInfo blob = w.getKey();
                WalFileName name = w.getValue();
                // Content is checked only where archive-get reads: an object elsewhere is a
                // warning of its own, whatever it holds.
                boolean inPlace = layout.walKey(name).equals(blob.key());
                results.add(pool.submit(counted(new WalFileCheck(repo, blob, name, inPlace ? contentCheck : null,
                        histories.values(), layout::walKey))));
                totalBytes += blob.size();
                totalChecks++;
            }

            progress.total(totalBytes, totalChecks);
            long objects = 0;
            long walFiles = 0;
            long bytes = 0;
            List<Problem> problems = new ArrayList<>();
            Set<String> corruptWal = new HashSet<>();
            for (Future<CheckResult> f : results) {
                CheckResult r = await(f);
                objects += r.objects();
                walFiles += r.walFiles();
                bytes += r.bytesRead();
                for (Problem p : r.problems()) {
                    problems.add(p);
                    if (p.kind() == ProblemKind.CORRUPT_WAL || p.kind() == ProblemKind.MISPLACED_WAL
                            || p.kind() == ProblemKind.UNFINISHED_WAL) {
                        corruptWal.addAll(p.walFiles());
                    }
                }
            }
            Map<String, Manifest> byId = new HashMap<>();
            manifests.forEach(m -> byId.put(m.id(), m));
            problems.addAll(ChainCheck.check(byId, references, problems, layout));
            WalContinuity continuity = new WalContinuity(archived, corruptWal, cluster.walSegmentSize());
            problems.addAll(continuity.check(manifests, pinned));
            problems.addAll(continuity.checkLaterTimelines(histories, unreadable, manifests, pinned));
            return new VerifyReport(layout.stanza(), ids.size(), objects, walFiles, bytes, problems);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The totals manifest {@code json}'s header records, null when it records none (a whole read accepted it). */
    private static BackupTotals recordedTotals(byte[] json) {
        try {
            return ManifestJson.readHeader(new ByteArrayInputStream(json), false).map(BackupHeader::totals).orElse(null);
        } catch (IOException e) {
            return null; // not expected once read() has parsed it; nothing to compare then
        }
    }

    /**
     * The manifest, read to its end so its checksum is checked (a JSON parser stops at the
     * closing brace, before the decoder's end-of-stream checks); null, with the finding added to
     * {@code results}, when it is damaged.
     */
    private Manifest readManifest(String id, List<Future<CheckResult>> results) throws IOException {
        String key = layout.manifestKey(id);
        String why;
        try (InputStream in = repo.get(key)) {
            byte[] json = in.readAllBytes();
            Manifest m = ManifestJson.read(new ByteArrayInputStream(json));
            BackupTotals recorded = recordedTotals(json);
            if (recorded != null && !recorded.equals(m.totals())) {
                // info and the metrics show the header's totals without reading the lists
                results.add(done(List.of(Problem.manifest(ProblemKind.MANIFEST_INCONSISTENT, id, key, List.of(),
                        key + " records totals (" + recorded.describe() + ") that are not the sums over its lists ("
                        + m.totals().describe() + "): info and the metrics show the recorded ones"))));
            }
            return m;
        } catch (BlobNotFoundException e) {
            why = "is missing (removed while verify ran?)";
        } catch (CorruptObjectException | WrongKeyException e) {
            why = "is corrupt: " + e.getMessage();
        } catch (StorageException e) {
            throw e;
        } catch (IOException e) {
            why = "cannot be read: " + e.getMessage();
        }
        results.add(done(List.of(Problem.manifest(ProblemKind.MANIFEST_UNREADABLE, id, key, List.of(),
                key + " " + why + "; the backup cannot be checked or restored"))));
        return null;
    }

    /** The archived history files, parsed; those that cannot be read (reported by their own check) in {@code unreadable}. */
    private void readHistories(List<WalFileName> archived, Map<Integer, TimelineHistory> histories, Set<Integer> unreadable)
            throws IOException {
        for (WalFileName name : archived) {
            if (name.kind() == WalFileKind.HISTORY) {
                HistoryFiles.read(repo, layout, name).ifPresentOrElse(h -> histories.put(name.timeline(), h),
                        () -> unreadable.add(name.timeline()));
            }
        }
    }

    /** A check that tells the progress its stored bytes, and one more object, when it ends. */
    private java.util.concurrent.Callable<CheckResult> counted(java.util.concurrent.Callable<CheckResult> check) {
        return () -> {
            CheckResult r = check.call();
            progress.add(r.bytesRead(), 1);
            return r;
        };
    }

    private List<BlobInfo> walObjects() throws IOException {
        List<BlobInfo> all = new ArrayList<>(list(layout.walPrefix()));
        all.sort(Comparator.comparing(BlobInfo::key));
        return all;
    }

    /** The WAL name of an object in the WAL area; null, with a warning added, when it has none. */
    private WalFileName walName(String key, List<Future<CheckResult>> results) {
        String last = key.substring(key.lastIndexOf('/') + 1);
        WalFileName name;
        try {
            name = WalFileName.parse(last);
        } catch (IllegalArgumentException e) {
            results.add(done(List.of(Problem.wal(ProblemKind.UNEXPECTED_WAL_OBJECT, Severity.WARNING, key, null,
                    "object " + key + " in the WAL area is not a WAL file: archive-get never reads it"))));
            return null;
        }
        if (!layout.walKey(name).equals(key)) {
            results.add(done(List.of(Problem.wal(ProblemKind.UNEXPECTED_WAL_OBJECT, Severity.WARNING, key,
                    name.name(), "object " + key + " is not where archive-get looks for " + name.name() + " ("
                            + layout.walKey(name) + "): it does not count as archived"))));
        }
        return name;
    }

    private List<BlobInfo> list(String prefix) throws IOException {
        try (Stream<BlobInfo> blobs = repo.blobs().list(prefix)) {
            return blobs.toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static Future<CheckResult> done(List<Problem> problems) {
        return CompletableFuture.completedFuture(CheckResult.of(problems));
    }

    private static CheckResult await(Future<CheckResult> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("verify interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    private static ThreadFactory workers() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "pgvault-verify-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
