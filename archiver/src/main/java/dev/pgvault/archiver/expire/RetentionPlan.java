package dev.pgvault.archiver.expire;

import dev.pgvault.archiver.backup.BackupHeader;
import dev.pgvault.archiver.backup.BackupStop;
import dev.pgvault.archiver.backup.BackupType;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which backups retention keeps, as a pure function of the catalog, the pins, the policy and the
 * time: no I/O, so every rule is tested on its own.
 *
 * <ul>
 * <li>the newest backup always stays;
 * <li>{@code full=N}: the newest N full backups and every backup whose parent chain leads to one;
 * <li>{@code window=W}: every backup that stopped within W of now, and the newest one that stopped
 *     before that, from which a restore reaches the window's first moment;
 * <li>a pinned backup stays;
 * <li>a kept backup's parent chain stays (a chain is kept or removed whole).
 * </ul>
 * With no rule set, nothing expires.
 */
public final class RetentionPlan {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private RetentionPlan() {}

    /** One verdict per backup, in the order given (oldest first). */
    public static List<BackupVerdict> decide(List<BackupHeader> backups, Set<String> pinned, RetentionPolicy policy,
            Instant now) {
        Map<String, BackupHeader> byId = new LinkedHashMap<>();
        for (BackupHeader m : backups) {
            byId.put(m.id(), m);
        }
        Map<String, Set<String>> reasons = new HashMap<>();
        Set<String> replayable = new LinkedHashSet<>();
        if (!policy.isSet()) {
            for (BackupHeader m : backups) {
                reasons.computeIfAbsent(m.id(), k -> new LinkedHashSet<>()).add("no retention set");
                replayable.add(m.id());
            }
        } else if (!backups.isEmpty()) {
            BackupHeader newest = newest(backups);
            keep(reasons, replayable, newest.id(), "newest backup", true);
            policy.full().ifPresent(n -> keepFulls(backups, n, reasons, replayable));
            policy.window().ifPresent(w -> keepWindow(backups, now.minus(w), "retention window="
                    + RetentionDuration.format(w), reasons, replayable));
        }
        for (String id : pinned) {
            if (byId.containsKey(id)) {
                keep(reasons, replayable, id, "pinned", false);
            }
        }
        keepParents(byId, reasons);

        List<BackupVerdict> out = new ArrayList<>();
        for (BackupHeader m : backups) {
            Set<String> why = reasons.get(m.id());
            boolean pin = pinned.contains(m.id());
            if (why != null) {
                out.add(new BackupVerdict(m, true, replayable.contains(m.id()), pin, String.join(", ", why)));
            } else {
                out.add(new BackupVerdict(m, false, false, pin, "beyond retention " + policy.describe()));
            }
        }
        return out;
    }

    private static void keep(Map<String, Set<String>> reasons, Set<String> replayable, String id, String why,
            boolean replay) {
        reasons.computeIfAbsent(id, k -> new LinkedHashSet<>()).add(why);
        if (replay) {
            replayable.add(id);
        }
    }

    private static void keepFulls(List<BackupHeader> backups, int n, Map<String, Set<String>> reasons,
            Set<String> replayable) {
        List<BackupHeader> fulls = backups.stream().filter(m -> m.type() == BackupType.FULL)
                .sorted(BackupStop.BY_STOP.reversed()).limit(n).toList();
        Set<String> roots = new LinkedHashSet<>();
        for (BackupHeader f : fulls) {
            roots.add(f.id());
        }
        String why = "retention full=" + n;
        for (BackupHeader m : backups) {
            if (dependsOnAny(m, roots, backups)) {
                keep(reasons, replayable, m.id(), why, true);
            }
        }
    }

    /** Whether {@code m} is one of {@code roots} or its parent chain leads to one. */
    private static boolean dependsOnAny(BackupHeader m, Set<String> roots, List<BackupHeader> backups) {
        Set<String> seen = new LinkedHashSet<>();
        for (BackupHeader at = m; at != null && seen.add(at.id()); at = find(backups, at.parent())) {
            if (roots.contains(at.id())) {
                return true;
            }
        }
        return false;
    }

    private static void keepWindow(List<BackupHeader> backups, Instant start, String why, Map<String, Set<String>> reasons,
            Set<String> replayable) {
        BackupHeader anchor = null;
        for (BackupHeader m : backups) {
            if (!m.stopTime().isBefore(start)) {
                keep(reasons, replayable, m.id(), why, true);
            } else if (anchor == null || BackupStop.BY_STOP.compare(m, anchor) > 0) {
                anchor = m;
            }
        }
        if (anchor != null) {
            keep(reasons, replayable, anchor.id(), why + " (restores to its start, " + TIME.format(start) + ")", true);
        }
    }

    private static void keepParents(Map<String, BackupHeader> byId, Map<String, Set<String>> reasons) {
        for (String id : new ArrayList<>(reasons.keySet())) {
            Set<String> seen = new LinkedHashSet<>();
            BackupHeader child = byId.get(id);
            while (child != null && child.parent() != null && seen.add(child.id())) {
                BackupHeader parent = byId.get(child.parent());
                if (parent == null) {
                    break; // a broken chain: verify reports it; nothing to keep here
                }
                reasons.computeIfAbsent(parent.id(), k -> new LinkedHashSet<>()).add("needed by " + child.id());
                child = parent;
            }
        }
    }

    private static BackupHeader newest(List<BackupHeader> backups) {
        return backups.stream().max(BackupStop.BY_STOP).orElseThrow();
    }

    private static BackupHeader find(List<BackupHeader> backups, String id) {
        if (id == null) {
            return null;
        }
        for (BackupHeader m : backups) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        return null;
    }
}
