package dev.pgvault.ha.agent;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.cluster.ClusterState;
import dev.pgvault.ha.pg.LocalPostgres;
import dev.pgvault.ha.pg.PgControlException;
import dev.pgvault.ha.pg.PgStatus;
import dev.pgvault.ha.pg.SlotNames;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Per-member physical replication slots ({@code ha.use-slots}). The leader running as the
 * primary keeps a slot for every other member (made before the cycle publishes that it runs, so
 * a replica that follows it finds its slot); a standby drops the slots the agent made while it
 * led, which would hold back its own WAL ({@link SlotPlan}). Trouble is logged once, never fatal.
 */
final class SlotKeeper {
    private final HaSettings settings;
    private final LocalPostgres postgres;
    private final Consumer<String> log;
    private String lastLine;

    SlotKeeper(HaSettings settings, LocalPostgres postgres, Consumer<String> log) {
        this.settings = settings;
        this.postgres = postgres;
        this.log = log;
    }

    /** The slot {@code member} streams through; null with slots off or when its name collides with another's. */
    String slotOf(String member, ClusterState cluster) {
        if (!settings.useSlots() || cluster == null) {
            return null;
        }
        return SlotNames.of(namesWith(member, cluster)).get(member);
    }

    void keep(ClusterState cluster, boolean leader, PgStatus pg) {
        Set<String> wanted;
        if (leader && pg.runningPrimary()) {
            wanted = new TreeSet<>();
            if (settings.useSlots()) {
                Set<String> names = namesWith(settings.name(), cluster);
                SlotNames.of(names).forEach((member, slot) -> {
                    if (!member.equals(settings.name())) {
                        wanted.add(slot);
                    }
                });
                List<String> colliding = SlotNames.colliding(names);
                if (!colliding.isEmpty()) {
                    once("members " + colliding + " map to the same replication slot name: they stream without a"
                            + " slot until one is renamed");
                }
            }
        } else if (pg.runningReplica()) {
            wanted = Set.of();
        } else {
            return;
        }
        try {
            Set<String> ours = postgres.agentSlots();
            if (wanted.isEmpty() && ours.isEmpty()) {
                return; // most standbys, every cycle: no query
            }
            SlotPlan plan = SlotPlan.of(wanted, postgres.physicalSlots(), ours);
            for (String slot : plan.create()) {
                postgres.createSlot(slot);
                log.accept("created replication slot " + slot);
            }
            for (String slot : plan.drop()) {
                postgres.dropSlot(slot);
                log.accept("dropped replication slot " + slot + ": no member streams through it here");
            }
            if (!plan.forget().isEmpty()) {
                postgres.forgetSlots(plan.forget());
            }
        } catch (PgControlException e) {
            once("replication slots: " + e.getMessage());
        }
    }

    private static Set<String> namesWith(String member, ClusterState cluster) {
        Set<String> names = new HashSet<>(cluster.members().keySet());
        names.add(member);
        return names;
    }

    /** A condition is said once, not every cycle. */
    private void once(String line) {
        if (!line.equals(lastLine)) {
            log.accept(line);
            lastLine = line;
        }
    }
}
