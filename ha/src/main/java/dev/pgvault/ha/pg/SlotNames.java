package dev.pgvault.ha.pg;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which physical replication slot each member streams through. A member's slot is its name in
 * lower case with every character other than a-z, 0-9 and _ replaced by _, cut to 63 bytes
 * (PostgreSQL's limit): "Node-1.dc2" streams through "node_1_dc2". Members whose names map to the
 * same slot get none (they stream without one, as with slots off) rather than share one: a shared
 * slot would hold WAL for the slower and let the faster drop what the slower still needs.
 */
public final class SlotNames {
    private static final int MAX = 63;

    private SlotNames() {}

    public static String of(String member) {
        StringBuilder s = new StringBuilder();
        for (char c : member.toLowerCase(Locale.ROOT).toCharArray()) {
            s.append(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' ? c : '_');
        }
        return s.length() > MAX ? s.substring(0, MAX) : s.toString();
    }

    /** Member to slot, for the members whose slot name no other member shares; sorted by member. */
    public static Map<String, String> of(Collection<String> members) {
        Map<String, Integer> uses = new HashMap<>();
        members.forEach(m -> uses.merge(of(m), 1, Integer::sum));
        Map<String, String> slots = new TreeMap<>();
        for (String m : members) {
            if (uses.get(of(m)) == 1) {
                slots.put(m, of(m));
            }
        }
        return slots;
    }

    /** The members left without a slot because their names collide, sorted. */
    public static List<String> colliding(Collection<String> members) {
        Map<String, String> distinct = of(members);
        return members.stream().filter(m -> !distinct.containsKey(m)).sorted().toList();
    }
}
