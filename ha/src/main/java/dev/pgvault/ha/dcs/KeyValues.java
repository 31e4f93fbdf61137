package dev.pgvault.ha.dcs;

import dev.pgvault.ha.cluster.Failover;
import dev.pgvault.ha.cluster.LeaderPosition;
import dev.pgvault.ha.cluster.Member;
import dev.pgvault.ha.cluster.Tags;
import dev.pgvault.ha.cluster.Role;
import dev.pgvault.ha.cluster.Switchover;
import dev.pgvault.ha.cluster.TimelineSwitch;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The JSON form of each value pgvault stores in etcd, both ways. */
final class KeyValues {
    private KeyValues() {}

    static String member(Member m) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", m.name());
        f.put("api_url", m.apiUrl());
        f.put("host", m.host());
        f.put("port", m.port());
        f.put("role", m.role().label());
        f.put("state", m.state());
        f.put("timeline", m.timeline());
        f.put("lsn", m.lsn());
        f.put("streaming", m.streaming());
        f.put("updated", m.updated().toString());
        if (m.tags().noFailover()) {
            f.put("nofailover", true);
        }
        if (m.tags().noSync()) {
            f.put("nosync", true);
        }
        return FlatJson.write(f);
    }

    static Member member(String json) throws IOException {
        Map<String, Object> f = FlatJson.read(json);
        return new Member(text(f, "name"), text(f, "api_url"), text(f, "host"), (int) number(f, "port"),
                Role.valueOf(text(f, "role").toUpperCase(java.util.Locale.ROOT)), text(f, "state"),
                (int) number(f, "timeline"), number(f, "lsn"), Boolean.TRUE.equals(f.get("streaming")),
                Instant.parse(text(f, "updated")),
                new Tags(Boolean.TRUE.equals(f.get("nofailover")), Boolean.TRUE.equals(f.get("nosync"))));
    }

    static String position(LeaderPosition p) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("leader", p.leader());
        f.put("timeline", p.timeline());
        f.put("lsn", p.lsn());
        f.put("handed_over", p.handedOver());
        return FlatJson.write(f);
    }

    static LeaderPosition position(String json) throws IOException {
        Map<String, Object> f = FlatJson.read(json);
        return new LeaderPosition(text(f, "leader"), (int) number(f, "timeline"), number(f, "lsn"),
                Boolean.TRUE.equals(f.get("handed_over")));
    }

    static String sync(String leader, Set<String> members) {
        Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("members", List.copyOf(new TreeSet<>(members)));
        if (leader != null) {
            f.put("leader", leader);
        }
        return FlatJson.write(f);
    }

    /** The leader that wrote the sync key; null in a key written before it said (or not a name). */
    static String syncLeader(String json) throws IOException {
        return FlatJson.read(json).get("leader") instanceof String name ? name : null;
    }

    static Set<String> sync(String json) throws IOException {
        Object v = FlatJson.read(json).get("members");
        if (!(v instanceof List<?> list)) {
            throw new IOException("'members' is not a list");
        }
        Set<String> names = new java.util.HashSet<>();
        for (Object item : list) {
            if (!(item instanceof String name)) {
                throw new IOException("'members' holds something other than names");
            }
            names.add(name);
        }
        return Set.copyOf(names);
    }

    static String switchover(Switchover s) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("from", s.from());
        f.put("to", s.to());
        f.put("requested", s.requested().toString());
        return FlatJson.write(f);
    }

    static Switchover switchover(String json) throws IOException {
        Map<String, Object> f = FlatJson.read(json);
        return new Switchover((String) f.get("from"), text(f, "to"), Instant.parse(text(f, "requested")));
    }

    static String failover(Failover r) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("to", r.to());
        f.put("requested", r.requested().toString());
        return FlatJson.write(f);
    }

    static Failover failover(String json) throws IOException {
        Map<String, Object> f = FlatJson.read(json);
        return new Failover(text(f, "to"), Instant.parse(text(f, "requested")));
    }

    static String timelineSwitch(TimelineSwitch t) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("timeline", t.timeline());
        f.put("parent", t.parent());
        f.put("switch_lsn", t.switchLsn());
        f.put("reason", t.reason());
        f.put("at", t.at() == null ? null : t.at().toString());
        f.put("leader", t.leader());
        return FlatJson.write(f);
    }

    static TimelineSwitch timelineSwitch(String json) throws IOException {
        Map<String, Object> f = FlatJson.read(json);
        return new TimelineSwitch((int) number(f, "timeline"), (int) number(f, "parent"), number(f, "switch_lsn"),
                text(f, "reason"), f.get("at") instanceof String at ? Instant.parse(at) : null,
                f.get("leader") instanceof String leader ? leader : null);
    }

    private static String text(Map<String, Object> f, String key) throws IOException {
        if (!(f.get(key) instanceof String s)) {
            throw new IOException("'" + key + "' is missing or not text");
        }
        return s;
    }

    private static long number(Map<String, Object> f, String key) throws IOException {
        if (!(f.get(key) instanceof Long n)) {
            throw new IOException("'" + key + "' is missing or not a number");
        }
        return n;
    }
}
