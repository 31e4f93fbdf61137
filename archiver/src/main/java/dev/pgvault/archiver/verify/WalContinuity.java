package dev.pgvault.archiver.verify;

import dev.pgvault.archiver.HistoryFiles;
import dev.pgvault.archiver.backup.Manifest;
import dev.pgvault.archiver.wal.WalFileKind;
import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.archiver.wal.WalFileName;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Whether the archive holds the WAL the backups need: every segment from a backup's start to its
 * stop segment (else the backup cannot be restored at all), and every segment from there to the
 * newest archived one (else point-in-time recovery stops at the first hole).
 *
 * <p>A backup's own timeline counts up to that timeline's newest segment. WAL after a promotion
 * lives on a later timeline, reached through its .history file ({@link #checkLaterTimelines}):
 * a later timeline whose history file is missing cannot be followed at all, and one that
 * descends from a backup's timeline after the backup's stop must be whole from its switch point
 * to its newest segment, since recovery to the latest timeline replays all of it.
 */
final class WalContinuity {
    /** Per problem, the missing or corrupt segment names listed one by one (the message has them all as ranges). */
    static final int MAX_NAMED_SEGMENTS = 1000;

    private final long segmentSize;
    private final Map<Integer, TreeSet<Long>> present = new HashMap<>();
    private final Set<String> corrupt;

    /**
     * @param archived names of the archived WAL files; only segments count
     * @param corrupt names of archived segments that failed their checks: present, not usable
     */
    WalContinuity(Collection<WalFileName> archived, Set<String> corrupt, long segmentSize) {
        this.segmentSize = segmentSize;
        this.corrupt = Set.copyOf(corrupt);
        for (WalFileName n : archived) {
            if (n.kind() == WalFileKind.SEGMENT) {
                present.computeIfAbsent(n.timeline(), t -> new TreeSet<>()).add(n.segmentNumber(segmentSize));
            }
        }
    }

    /** Backups oldest first; the problems name them by id. None pinned. */
    List<Problem> check(List<Manifest> backups) {
        return check(backups, Set.of());
    }

    /**
     * Backups oldest first; the problems name them by id. A gap after a pinned backup that no
     * other backup shares is information, not an error: expire removes the WAL after a pinned
     * backup's stop, which then restores to its end only.
     */
    List<Problem> check(List<Manifest> backups, Set<String> pinned) {
        List<Problem> problems = new ArrayList<>();
        Map<String, List<String>> gaps = new LinkedHashMap<>(); // first unusable segment -> backups
        for (Manifest m : backups) {
            WalFileName start;
            WalFileName stop;
            try {
                start = WalFileName.parse(String.valueOf(m.startWal()));
                stop = WalFileName.parse(String.valueOf(m.stopWal()));
            } catch (IllegalArgumentException e) {
                problems.add(inconsistent(m, "has a bad start or stop WAL: " + e.getMessage()));
                continue;
            }
            if (start.kind() != WalFileKind.SEGMENT || stop.kind() != WalFileKind.SEGMENT
                    || start.timeline() != stop.timeline()
                    || start.segmentNumber(segmentSize) > stop.segmentNumber(segmentSize)) {
                problems.add(inconsistent(m, "gives start WAL " + start.name() + " and stop WAL " + stop.name()
                        + ", not a range of segments on one timeline"));
                continue;
            }
            checkRange(m, start, stop, problems);
            firstUnusableAfter(stop).ifPresent(name -> gaps.computeIfAbsent(name, k -> new ArrayList<>()).add(m.id()));
        }
        gaps.forEach((name, ids) -> problems.add(pinned.containsAll(ids) ? pinnedGap(name, ids) : gap(name, ids)));
        return problems;
    }

    /**
     * The timelines after a promotion: each later timeline with archived segments needs its
     * history file, and the WAL from its switch point to its newest segment when a backup of an
     * ancestor timeline, taken before the switch, would replay into it.
     *
     * @param histories the readable history files by timeline (a damaged one is reported by its own check)
     * @param unreadable timelines whose history file is archived but damaged
     */
    List<Problem> checkLaterTimelines(Map<Integer, TimelineHistory> histories, Set<Integer> unreadable, List<Manifest> backups,
            Set<String> pinned) {
        List<Problem> problems = new ArrayList<>();
        for (Map.Entry<Integer, TreeSet<Long>> e : new java.util.TreeMap<>(present).entrySet()) {
            int tli = e.getKey();
            if (tli == 1 || unreadable.contains(tli)) {
                continue;
            }
            TimelineHistory h = histories.get(tli);
            String historyName = HistoryFiles.name(tli);
            if (h == null) {
                // Only a recovery that starts on an earlier timeline needs the history to reach this
                // one; PostgreSQL reads a timeline's own missing history as "no parents".
                List<String> before = backups.stream().filter(m -> m.timeline() < tli).map(Manifest::id).toList();
                problems.add(new Problem(before.isEmpty() ? Severity.WARNING : Severity.ERROR, ProblemKind.WAL_GAP, before, null,
                        List.of(), List.of(historyName), "timeline " + tli + " has archived WAL (" + name(tli, e.getValue().first())
                                + " to " + name(tli, e.getValue().last()) + ") but its history file " + historyName
                                + " is missing: recovery cannot follow timeline " + tli
                                + (before.isEmpty() ? "" : " from backup" + (before.size() == 1 ? " " : "s ") + String.join(", ", before))));
                continue;
            }
            List<String> reaching = backups.stream()
                    .filter(m -> m.timeline() != tli && h.holdsUpTo(m.timeline(), m.stopLsn())).map(Manifest::id).toList();
            if (reaching.isEmpty()) {
                continue; // backups on this timeline are checked from their own start
            }
            long from = h.beginOf(tli).value() / segmentSize;
            for (long n = from; n <= e.getValue().last(); n++) {
                if (!e.getValue().contains(n) || corrupt.contains(name(tli, n))) {
                    // expire keeps only a pinned backup's own WAL: a gap after it is expected
                    problems.add(pinned.containsAll(reaching) ? pinnedGap(name(tli, n), reaching) : gap(name(tli, n), reaching));
                    break;
                }
            }
        }
        return problems;
    }

    private void checkRange(Manifest m, WalFileName start, WalFileName stop, List<Problem> problems) {
        int tli = start.timeline();
        long from = start.segmentNumber(segmentSize);
        long to = stop.segmentNumber(segmentSize);
        TreeSet<Long> have = present.getOrDefault(tli, new TreeSet<>());
        // Walk the segments that are there, not the whole range: a range's holes are what lies
        // between them, however long the range.
        List<long[]> missing = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        long next = from;
        for (long n : have.subSet(from, true, to, true)) {
            if (n > next) {
                missing.add(new long[] {next, n - 1});
            }
            if (corrupt.contains(name(tli, n))) {
                bad.add(name(tli, n));
            }
            next = n + 1;
        }
        if (next <= to) {
            missing.add(new long[] {next, to});
        }
        if (missing.isEmpty() && bad.isEmpty()) {
            return;
        }
        List<String> named = new ArrayList<>();
        StringBuilder what = new StringBuilder("backup " + m.id() + " is not restorable: of the WAL it needs ("
                + start.name() + " to " + stop.name() + "), ");
        if (!missing.isEmpty()) {
            List<String> ranges = new ArrayList<>();
            for (long[] r : missing) {
                ranges.add(range(tli, r[0], r[1]));
                for (long n = r[0]; n <= r[1] && named.size() < MAX_NAMED_SEGMENTS; n++) {
                    named.add(name(tli, n));
                }
            }
            what.append("missing from the archive: ").append(String.join(", ", ranges));
        }
        if (!bad.isEmpty()) {
            what.append(missing.isEmpty() ? "" : "; ").append("corrupt: ").append(String.join(", ", bad));
            named.addAll(bad.subList(0, Math.min(bad.size(), Math.max(0, MAX_NAMED_SEGMENTS - named.size()))));
        }
        problems.add(new Problem(Severity.ERROR, ProblemKind.BACKUP_WAL_MISSING, List.of(m.id()), null, List.of(),
                named, what.toString()));
    }

    /** The first segment after {@code stop} up to the timeline's newest that is missing or corrupt. */
    private Optional<String> firstUnusableAfter(WalFileName stop) {
        int tli = stop.timeline();
        TreeSet<Long> have = present.get(tli);
        if (have == null) {
            return Optional.empty();
        }
        long newest = have.last();
        for (long n = stop.segmentNumber(segmentSize) + 1; n <= newest; n++) {
            if (!have.contains(n) || corrupt.contains(name(tli, n))) {
                return Optional.of(name(tli, n));
            }
        }
        return Optional.empty();
    }

    private Problem gap(String first, List<String> backupIds) {
        WalFileName n = WalFileName.parse(first);
        String newest = name(n.timeline(), present.get(n.timeline()).last());
        String state = corrupt.contains(first) ? "corrupt" : "missing";
        return new Problem(Severity.ERROR, ProblemKind.WAL_GAP, backupIds, null, List.of(), List.of(first),
                "WAL gap on timeline " + n.timeline() + ": segment " + first + " is " + state + " (newest archived: "
                        + newest + "): point-in-time recovery from backup" + (backupIds.size() == 1 ? " " : "s ")
                        + String.join(", ", backupIds) + " cannot go past it");
    }

    private Problem pinnedGap(String first, List<String> backupIds) {
        String which = backupIds.size() == 1 ? "backup " + backupIds.get(0) + " is" : "backups "
                + String.join(", ", backupIds) + " are";
        return new Problem(Severity.INFO, ProblemKind.WAL_GAP, backupIds, null, List.of(), List.of(first),
                which + " pinned and restore" + (backupIds.size() == 1 ? "s" : "") + " to its end: the WAL after it is not"
                        + " all archived from " + first + " (expire removes the WAL after a pinned backup's stop)");
    }

    private static Problem inconsistent(Manifest m, String what) {
        return new Problem(Severity.ERROR, ProblemKind.MANIFEST_INCONSISTENT, List.of(m.id()), null, List.of(),
                List.of(), "backup " + m.id() + ": manifest " + what);
    }

    private String range(int tli, long from, long to) {
        if (from == to) {
            return name(tli, from);
        }
        return name(tli, from) + ".." + name(tli, to) + " (" + (to - from + 1) + " segments)";
    }

    /** The segment name for number {@code n} (counted from LSN 0) on timeline {@code tli}. */
    String name(int tli, long n) {
        return WalFileName.segmentName(tli, n, segmentSize);
    }
}
