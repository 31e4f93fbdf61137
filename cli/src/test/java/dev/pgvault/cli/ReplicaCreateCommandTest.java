package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** replica create as a user meets it: what it prints, what it writes, its refusals and exit codes. */
class ReplicaCreateCommandTest {
    @TempDir
    Path dir;
    Path config;
    String savedLauncher;

    @BeforeEach
    void repositoryWithOneBackup() throws Exception {
        Path repoDir = Files.createDirectories(dir.resolve("repo"));
        Path launcher = Files.createDirectories(dir.resolve("opt/bin")).resolve("pgvault");
        Files.writeString(launcher, "#!/bin/sh\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        savedLauncher = System.setProperty("pgvault.launcher", launcher.toString());
        config = dir.resolve("pgvault.yaml");
        Files.writeString(config, "stanza: main\npg:\n  bin: /usr/lib/postgresql/15/bin\nrepo:\n  path: " + repoDir + "\nprocess-max: 2\n");
        RestoreCommandTest.writeOneBackup(repoDir);
    }

    @AfterEach
    void restoreLauncherProperty() {
        if (savedLauncher == null) {
            System.clearProperty("pgvault.launcher");
        } else {
            System.setProperty("pgvault.launcher", savedLauncher);
        }
    }

    MainTest.Result create(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("--config", config.toString(), "replica", "create"));
        all.addAll(List.of(args));
        return MainTest.run(all.toArray(String[]::new));
    }

    @Test
    void createsAStandbyKeepsThePasswordInItsPassfileAndSaysHowToStartIt() throws Exception {
        Path pgdata = dir.resolve("standby");
        MainTest.Result r = create("--pgdata", pgdata.toString(), "--primary-conninfo",
                "host=db1 port=5432 user=rep password=hunter2 application_name=s1", "--slot", "s1");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("restored backup 20261126-031500F into " + pgdata + ": 1 files"), r.out());
        assertEquals("standby: replays archived WAL, then streams from host='db1' port='5432' user='rep' application_name='s1'"
                + " passfile='" + pgdata.resolve("pgvault.pgpass") + "'", lines.get(1));
        assertEquals("slot: s1 (not checked: it must exist on the primary)", lines.get(2));
        assertEquals("password: in " + pgdata.resolve("pgvault.pgpass") + " (mode 0600), named by passfile= in primary_conninfo",
                lines.get(3));
        assertEquals("start it with: /usr/lib/postgresql/15/bin/pg_ctl -D " + pgdata + " start", lines.get(4));
        assertFalse(r.out().contains("hunter2") || r.err().contains("hunter2"));
        assertTrue(Files.exists(pgdata.resolve("standby.signal")));
        assertFalse(Files.exists(pgdata.resolve("recovery.signal")));
        assertFalse(Files.readString(pgdata.resolve("postgresql.auto.conf")).contains("hunter2"));
        assertEquals("*:*:*:*:hunter2\n", Files.readString(pgdata.resolve("pgvault.pgpass")));
    }

    @Test
    void aNonEmptyDirectoryIsRefusedWithExit2AndLeftAlone() throws Exception {
        Path pgdata = Files.createDirectory(dir.resolve("standby"));
        Files.writeString(pgdata.resolve("keep"), "mine");
        MainTest.Result r = create("--pgdata", pgdata.toString(), "--primary-conninfo", "host=db1");
        assertEquals(2, r.code());
        RestoreCommandTest.assertOneLine(r);
        assertTrue(r.err().contains(pgdata + " is not empty"), r.err());
        assertEquals("mine", Files.readString(pgdata.resolve("keep")));
    }

    @Test
    void badArgumentsAreExit2OneLineAndWriteNothing() {
        for (String[] args : List.of(new String[] {"--primary-conninfo", "host=db1 pasword=x"},
                new String[] {"--primary-conninfo", "host=db1 password='unterminated"},
                new String[] {"--primary-conninfo", "postgresql://db1/x"},
                new String[] {"--primary-conninfo", "host=db1", "--create-slot"},
                new String[] {"--primary-conninfo", "host=db1", "--slot", "Bad-Name"},
                new String[] {"--primary-conninfo", "host=db1", "--port", "0"},
                new String[] {"--primary-conninfo", "host=db1", "--trust-times"})) {
            List<String> all = new java.util.ArrayList<>(List.of("--pgdata", dir.resolve("standby").toString()));
            all.addAll(List.of(args));
            MainTest.Result r = create(all.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            RestoreCommandTest.assertOneLine(r);
            assertFalse(r.err().contains("unterminated") && r.err().contains("'unterminated"), r.err());
        }
        assertFalse(Files.exists(dir.resolve("standby")));
        MainTest.Result trust = create("--pgdata", dir.resolve("standby").toString(), "--primary-conninfo", "host=db1",
                "--trust-times");
        assertEquals("pgvault: --trust-times is for a delta restore: give --delta too", trust.err().strip());
    }

    @Test
    void anUnreachablePrimaryIsExit5BeforeAnythingIsWritten() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        MainTest.Result r = create("--pgdata", dir.resolve("standby").toString(), "--primary-conninfo",
                "host=127.0.0.1 port=" + port + " user=rep password=hunter2", "--slot", "s1", "--create-slot");
        assertEquals(5, r.code(), r.err());
        RestoreCommandTest.assertOneLine(r);
        assertTrue(r.err().startsWith("pgvault: cannot connect to the primary rep@127.0.0.1:" + port), r.err());
        assertFalse(r.err().contains("hunter2"));
        assertFalse(Files.exists(dir.resolve("standby")));
    }

    @Test
    void startAsRootIsRefused() {
        assumeTrue("root".equals(System.getProperty("user.name")));
        MainTest.Result r = create("--pgdata", dir.resolve("standby").toString(), "--primary-conninfo", "host=db1", "--start");
        assertEquals(2, r.code());
        RestoreCommandTest.assertOneLine(r);
        assertTrue(r.err().contains("PostgreSQL refuses to run as root"), r.err());
        assertFalse(Files.exists(dir.resolve("standby")));
    }
}
