package dev.pgvault.ha.pg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.pg.PgTarget;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfTest {
    static PgNodeSettings node(Map<String, String> parameters) {
        return new PgNodeSettings(Path.of("/pg/data"), Path.of("/usr/lib/postgresql/15/bin"), "node-2", "*", 5433,
                Path.of("/run/pg"), new PgTarget("127.0.0.1", 5433, "rep'user", "postgres"), parameters,
                "pgvault --config '/etc/pg vault.yaml' archive-push %p", "/bin/get %f \"%p\"", Path.of("/pg/log"),
                List.of());
    }

    @Test
    void valuesAreQuotedAsPostgresqlConfWantsThem() {
        String text = AgentConf.render(AgentConf.settings(node(Map.of()), false, null, "FIRST 1 (\"node-1\")"));
        assertTrue(text.contains("archive_command = 'pgvault --config ''/etc/pg vault.yaml'' archive-push %p'\n"), text);
        assertTrue(text.contains("restore_command = '/bin/get %f \"%p\"'\n"), text);
        assertTrue(text.contains("synchronous_standby_names = 'FIRST 1 (\"node-1\")'\n"), text);
        assertTrue(text.contains("cluster_name = 'node-2'\n"), text);
        assertTrue(text.contains("unix_socket_directories = '/run/pg'\n"), text);
        assertTrue(text.contains("port = '5433'\n"), text);
        assertTrue(text.contains("primary_conninfo = ''\n"), "a primary streams from nobody: " + text);
    }

    @Test
    void aStandbyStreamsFromItsUpstreamUnderItsMemberName() {
        Map<String, String> s = AgentConf.settings(node(Map.of()), true, new Upstream("node-1", "10.0.0.1", 5432), null);
        assertEquals("host='10.0.0.1' port='5432' user='rep\\'user' application_name='node-2'", s.get("primary_conninfo"));
        assertEquals("", s.get("synchronous_standby_names"));
        assertEquals("latest", s.get("recovery_target_timeline"));
        assertEquals("1s", s.get("wal_receiver_status_interval"), "commits held for synchronous standbys are judged again every second");
        assertEquals("", s.get("primary_slot_name"), "no slot named: none");
        assertEquals("node_2", AgentConf.settings(node(Map.of()), true, new Upstream("node-1", "10.0.0.1", 5432, "node_2"),
                null).get("primary_slot_name"));
        assertEquals("", AgentConf.settings(node(Map.of()), false, new Upstream("node-1", "10.0.0.1", 5432, "node_2"),
                null).get("primary_slot_name"), "a primary streams from nobody");
        String text = AgentConf.render(s);
        assertTrue(text.contains("primary_conninfo = 'host=''10.0.0.1'' port=''5432'' user=''rep\\\\''user'' "
                + "application_name=''node-2'''\n"), text);
    }

    @Test
    void aStandbyWithoutUpstreamOnlyReplaysTheArchive() {
        assertEquals("", AgentConf.settings(node(Map.of()), true, null, null).get("primary_conninfo"));
    }

    @Test
    void theConfiguredParametersComeLastAndWin() {
        Map<String, String> s = AgentConf.settings(node(Map.of("max_wal_senders", "20", "work_mem", "64MB")), false,
                null, null);
        assertEquals("20", s.get("max_wal_senders"));
        List<String> keys = List.copyOf(s.keySet());
        assertEquals("work_mem", keys.get(keys.size() - 1));
        assertTrue(AgentConf.owned(s).containsAll(List.of("work_mem", "primary_slot_name", "recovery_target_time")));
    }

    @Test
    void aParameterNameThatIsNotOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> node(Map.of("work_mem = 1\nfsync", "off")));
    }
}
