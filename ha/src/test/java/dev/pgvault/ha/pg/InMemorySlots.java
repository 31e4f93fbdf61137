package dev.pgvault.ha.pg;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Replication slots of a fake PostgreSQL, with the agent's record of its own, as PostgresNode keeps them. */
public final class InMemorySlots {
    /** Slots by name, and whether a walsender uses each: a test sets and reads it. */
    public final Map<String, Boolean> existing = new TreeMap<>();
    /** The slots the agent made. */
    public final Set<String> ours = new TreeSet<>();

    public Map<String, Boolean> physical() {
        return new TreeMap<>(existing);
    }

    public void create(String name) {
        ours.add(name);
        existing.putIfAbsent(name, false);
    }

    public void drop(String name) throws PgControlException {
        if (!ours.contains(name)) {
            throw new PgControlException("replication slot " + name + " was not created by pgvault: not dropped");
        }
        existing.remove(name);
        ours.remove(name);
    }

    public Set<String> ours() {
        return new TreeSet<>(ours);
    }

    public void forget(Set<String> names) {
        ours.removeAll(names);
    }
}
