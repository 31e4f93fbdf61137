package dev.pgvault.ha.agent;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the slot keeper does in one cycle. The leader keeps a physical slot for every other member;
 * every node drops the slots it created that no member needs any more (on a former leader, all
 * of them: a slot on a standby holds back its own WAL), and only those: a slot the agent did not
 * create (an operator's, a logical one's) is never touched, nor one a walsender still uses.
 *
 * @param create slots to create (recorded as the agent's first, then created)
 * @param drop the agent's slots to drop
 * @param forget the agent's records of slots that no longer exist
 */
record SlotPlan(Set<String> create, Set<String> drop, Set<String> forget) {

    /**
     * @param wanted the slots this node should have: the other members' when it leads, none otherwise
     * @param existing the node's physical slots, name to whether a walsender uses it
     * @param ours the slots the agent created on this node
     */
    static SlotPlan of(Set<String> wanted, Map<String, Boolean> existing, Set<String> ours) {
        Set<String> create = new TreeSet<>();
        for (String slot : wanted) {
            if (!existing.containsKey(slot)) {
                create.add(slot);
            }
        }
        Set<String> drop = new TreeSet<>();
        Set<String> forget = new TreeSet<>();
        for (String slot : ours) {
            if (!existing.containsKey(slot)) {
                if (!wanted.contains(slot)) {
                    forget.add(slot);
                }
            } else if (!wanted.contains(slot) && !existing.get(slot)) {
                drop.add(slot);
            }
        }
        return new SlotPlan(create, drop, forget);
    }

    boolean empty() {
        return create.isEmpty() && drop.isEmpty() && forget.isEmpty();
    }
}
