package dev.pgvault.ha.pg;

import dev.pgvault.restore.RecoveryConfig;
import dev.pgvault.restore.replica.ConnInfo;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * pgvault-ha.conf: the settings the agent owns, included at the end of postgresql.conf. Every value
 * is written as a quoted string, which postgresql.conf accepts for settings of any type.
 */
final class AgentConf {
    static final String FILE = "pgvault-ha.conf";

    /**
     * Settings the agent does not write but must not find in postgresql.auto.conf either: a restore
     * from the repository leaves recovery targets and a slot there, and they would override ours.
     */
    private static final List<String> ALSO_OWNED = List.of("primary_slot_name", "recovery_target",
            "recovery_target_time", "recovery_target_lsn", "recovery_target_xid", "recovery_target_name",
            "recovery_target_action", "recovery_target_inclusive");

    private AgentConf() {}

    /**
     * The settings in the order written; the configured parameters come last and win.
     *
     * @param upstream null: no primary_conninfo (a primary, or a standby replaying only the archive)
     * @param synchronousStandbyNames the value as PostgreSQL reads it, null for none
     */
    static Map<String, String> settings(PgNodeSettings node, boolean standby, Upstream upstream,
            String synchronousStandbyNames) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listen_addresses", node.listenAddresses());
        s.put("port", Integer.toString(node.port()));
        if (node.socketDirectory() != null) {
            s.put("unix_socket_directories", node.socketDirectory().toString());
        }
        s.put("cluster_name", node.memberName());
        s.put("wal_level", "replica");
        s.put("hot_standby", "on");
        // pg_rewind needs hint-bit changes in the WAL (data checksums give that too, but an
        // initdb the agent did not run may lack them)
        s.put("wal_log_hints", "on");
        s.put("max_wal_senders", "10");
        // always: a standby archives what it received too (the same bytes twice are a success), so
        // a primary lost with segments it had not archived yet leaves no hole in the archive
        s.put("archive_mode", "always");
        s.put("archive_command", node.archiveCommand());
        s.put("restore_command", node.restoreCommand());
        s.put("recovery_target_timeline", "latest");
        // a standby whose stream failed (the primary lost, its slot not made yet on a new leader)
        // tries again after this long: 5 s by default, which held a replica following a new
        // leader for 5 s after a failover in bench/failover.sh. Retries happen only while it does
        // not stream: a restore_command call a second meanwhile (answered by the launcher with
        // archive.async), none in steady streaming.
        s.put("wal_retrieve_retry_interval", "1s");
        // PostgreSQL releases commits waiting for synchronous standbys only when a standby reports
        // its position: a new synchronous_standby_names (a receiver taken out, another standby
        // made synchronous) frees a commit its standbys already hold at their next report, which
        // an idle standby sends every wal_receiver_status_interval, 10 s by default. A commit held
        // by a receiver whose store hung waited 11.8 s with a 3 s stream-sync-timeout, the agent
        // having taken the receiver out after 4.1 s (HaSynchronousIT). A report a second costs a
        // few bytes.
        s.put("wal_receiver_status_interval", "1s");
        s.put("synchronous_standby_names", synchronousStandbyNames == null ? "" : synchronousStandbyNames);
        s.put("primary_conninfo", standby && upstream != null ? primaryConnInfo(node, upstream) : "");
        s.put("primary_slot_name", standby && upstream != null && upstream.slot() != null ? upstream.slot() : "");
        s.putAll(node.parameters());
        return s;
    }

    /** The file's text. */
    static String render(Map<String, String> settings) {
        StringBuilder out = new StringBuilder("# Written by pgvault ha: edits here are overwritten.\n");
        settings.forEach((k, v) -> out.append(k).append(" = ").append(RecoveryConfig.quote(v)).append('\n'));
        return out.toString();
    }

    /** The names postgresql.auto.conf must not set, lower case. */
    static Set<String> owned(Map<String, String> settings) {
        Set<String> owned = new LinkedHashSet<>();
        settings.keySet().forEach(k -> owned.add(k.toLowerCase(java.util.Locale.ROOT)));
        owned.addAll(ALSO_OWNED);
        return owned;
    }

    /**
     * application_name is the member name: the primary's synchronous_standby_names and
     * pg_stat_replication know a standby by it. No password: libpq finds it in ~/.pgpass.
     */
    static String primaryConnInfo(PgNodeSettings node, Upstream upstream) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("host", upstream.host());
        p.put("port", Integer.toString(upstream.port()));
        p.put("user", node.local().user());
        p.put("application_name", node.memberName());
        return new ConnInfo(p).format();
    }
}
