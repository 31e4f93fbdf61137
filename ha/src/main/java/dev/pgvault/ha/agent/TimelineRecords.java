package dev.pgvault.ha.agent;

import dev.pgvault.archiver.wal.TimelineHistory;
import dev.pgvault.ha.cluster.TimelineSwitch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster's history as one timeline's history file tells it: a switch for every ancestor, the
 * newest one (into {@code timeline} itself) with what the agent knows of it, the older ones with
 * only what the file says. Recorded put-if-absent, so earlier promotions keep their own accounts.
 */
final class TimelineRecords {
    private TimelineRecords() {}

    /**
     * @param historyFile the content of {@code timeline}'s history file
     * @param reason why {@code timeline} began
     * @param at when, null when unknown
     * @param leader who was promoted into it, null when unknown
     * @throws IllegalArgumentException when the file is not a history of {@code timeline}
     */
    static List<TimelineSwitch> of(int timeline, byte[] historyFile, String reason, Instant at, String leader) {
        List<TimelineHistory.Entry> ancestors = TimelineHistory.parse(timeline, historyFile).ancestors();
        List<TimelineSwitch> switches = new ArrayList<>();
        for (int i = 0; i < ancestors.size(); i++) {
            TimelineHistory.Entry left = ancestors.get(i);
            long lsn = left.switchPoint().value();
            if (i == ancestors.size() - 1) {
                switches.add(new TimelineSwitch(timeline, left.timeline(), lsn, reason, at, leader));
            } else {
                int began = ancestors.get(i + 1).timeline();
                switches.add(new TimelineSwitch(began, left.timeline(), lsn,
                        String.format("read from the history file of timeline %d", timeline), null, null));
            }
        }
        return switches;
    }
}
