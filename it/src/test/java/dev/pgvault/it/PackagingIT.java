package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The release tarball as a user installs it: unpacked into a fresh directory, given to
 * PostgreSQL's OS user, its class-data archive made by the install step, and run from another
 * working directory; its bash completion loaded and asked to complete a command. And the Debian
 * package installed with apt-get, run as {@code postgres}, and removed again.
 */
class PackagingIT {

    private static Path built(String pattern, String what) throws Exception {
        Path target = Path.of(System.getProperty("pgvault.checkout", "..")).toAbsolutePath().normalize().resolve("cli/target");
        try (Stream<Path> files = Files.list(target)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().matches(pattern)).toList();
            assertEquals(1, found.size(), "one " + what + " in " + target + ": " + found);
            return found.get(0);
        }
    }

    private static Path tarball() throws Exception {
        return built("pgvault-.*\\.tar\\.gz", "release tarball");
    }

    @Test
    @Timeout(300)
    void theTarballInstallsAndRunsAsPostgresFromAnywhere() throws Exception {
        Path tarball = tarball();
        String version = tarball.getFileName().toString().replaceAll("^pgvault-(.*)\\.tar\\.gz$", "$1");
        OsUser pgUser = OsUser.forPostgres();
        Path base = pgUser.newDirectory("pgvault-install");
        try {
            Proc.run(new OsUser(System.getProperty("user.name"), false), List.of("tar", "-xzf", tarball.toString(), "-C",
                    base.toString())).ok();
            Proc.run(new OsUser(System.getProperty("user.name"), false), List.of("chown", "-R", pgUser.name(),
                    base.toString())).ok();
            Path home = base.resolve("pgvault-" + version);
            for (String entry : List.of("bin/pgvault", "lib/pgvault-cli.jar", "completion/pgvault.bash",
                    "contrib/pgvault-ha.service", "contrib/pgvault-backup.timer", "contrib/pgvault-verify.timer",
                    "contrib/haproxy.cfg", "README.md")) {
                assertTrue(Files.exists(home.resolve(entry)), entry + " is in the tarball");
            }
            assertTrue(Files.isExecutable(home.resolve("bin/pgvault")));
            for (String archive : List.of("lib/pgvault.jsa", "lib/pgvault-s3.jsa", "lib/pgvault-ha.jsa")) {
                assertTrue(Files.notExists(home.resolve(archive)), archive + ": the class-data archives are made on install, not shipped");
            }

            String launcher = home.resolve("bin/pgvault").toString();
            Proc.run(pgUser, List.of("sh", "-c", "cd / && " + launcher + " --build-cds")).ok();
            for (String archive : List.of("lib/pgvault.jsa", "lib/pgvault-s3.jsa", "lib/pgvault-ha.jsa")) {
                assertTrue(Files.exists(home.resolve(archive)), "pgvault --build-cds made " + archive);
            }
            Proc v = Proc.run(pgUser, List.of("sh", "-c", "cd / && " + launcher + " --version")).ok();
            assertEquals("pgvault " + version, v.stdout().strip());
            Proc help = Proc.run(pgUser, List.of("sh", "-c", "cd /tmp && " + launcher + " restore --help")).ok();
            assertTrue(help.stdout().startsWith("Usage: pgvault restore"), help.stdout());
            assertEquals("", help.stderr());
            // Every picocli class a command loads comes from the archive: a lambda of one of
            // picocli's (Java 5) interfaces once kept 37 of them out of it, read from the jar on
            // every call (PgvaultCommand says why).
            Path classLog = base.resolve("classes-loaded.txt");
            Proc.run(pgUser, List.of("sh", "-c", "cd /tmp && " + launcher + " restore --help > /dev/null"),
                    Map.of("PATH", "/usr/bin:/bin", "PGVAULT_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog), 60).ok();
            List<String> fromJars = Files.readAllLines(classLog).stream()
                    .filter(l -> l.contains(" picocli.") && !l.contains("source: shared objects file")).toList();
            assertEquals(List.of(), fromJars, "picocli classes read from the jar, not the class-data archive");

            for (String page : List.of("pgvault.1", "pgvault-restore.1", "pgvault-ha-run.1", "pgvault-replica-create.1")) {
                assertTrue(Files.exists(home.resolve("man/man1/" + page)), page + " is in the tarball");
            }
            Proc man = Proc.run(pgUser, List.of("groff", "-man", "-Tutf8", "-P", "-cbou",
                    home.resolve("man/man1/pgvault-restore.1").toString())).ok();
            assertTrue(man.stdout().matches("(?s).*NAME\\s+pgvault-restore\\s+-\\s+Restore a backup.*"), man.stdout());
            assertTrue(man.stdout().contains("--archive-mode=off|preserve"), man.stdout());
            assertEquals("", man.stderr(), "groff warns of nothing");

            String completion = home.resolve("completion/pgvault.bash").toString();
            Proc loaded = Proc.run(pgUser, List.of("bash", "-c", "source " + completion + " && complete -p pgvault")).ok();
            assertTrue(loaded.stdout().contains("pgvault"), loaded.stdout());
            Proc completed = Proc.run(pgUser, List.of("bash", "-c", "source " + completion
                    + " && COMP_WORDS=(pgvault resto) && COMP_CWORD=1 && COMP_LINE='pgvault resto' && COMP_POINT=13"
                    + " && _complete_pgvault && echo \"${COMPREPLY[@]}\"")).ok();
            assertEquals("restore", completed.stdout().strip());
        } finally {
            PgvaultDist.deleteTree(base);
        }
    }

    @Test
    @Timeout(600)
    void theDebianPackageInstallsRunsAsPostgresAndRemovesCleanly() throws Exception {
        Path deb = built("pgvault_.*_all\\.deb", "Debian package");
        OsUser root = new OsUser(System.getProperty("user.name"), false);
        assumeTrue(root.name().equals("root") && Files.isExecutable(Path.of("/usr/bin/apt-get")),
                "installing a package needs root and apt-get");
        assertTrue(Proc.run(root, List.of("dpkg", "-s", "pgvault")).exitCode() != 0,
                "a pgvault package is already installed on this machine; the test would replace it");
        Map<String, String> quiet = Map.of("DEBIAN_FRONTEND", "noninteractive");
        String version = tarball().getFileName().toString().replaceAll("^pgvault-(.*)\\.tar\\.gz$", "$1");
        OsUser pgUser = OsUser.forPostgres();
        try {
            Proc.run(root, List.of("apt-get", "install", "-y", "--no-install-recommends", deb.toString()), quiet, 300).ok();

            assertArchivesUsable(pgUser, version, "postinst");
            // an upgrade's path: the old prerm removes the archives, the new postinst makes them
            Proc.run(root, List.of("apt-get", "install", "-y", "--reinstall", "--no-install-recommends", deb.toString()),
                    quiet, 300).ok();
            assertArchivesUsable(pgUser, version, "a reinstall");
            Proc help = Proc.run(pgUser, List.of("sh", "-c", "cd /tmp && /usr/bin/pgvault backup --help")).ok();
            assertTrue(help.stdout().startsWith("Usage: pgvault backup"), help.stdout());

            Proc man = Proc.run(root, List.of("man", "-w", "pgvault-restore")).ok();
            assertTrue(man.stdout().strip().startsWith("/usr/share/man/man1/pgvault-restore.1"), man.stdout());
            Proc completed = Proc.run(pgUser, List.of("bash", "-c", "source /usr/share/bash-completion/completions/pgvault"
                    + " && COMP_WORDS=(pgvault resto) && COMP_CWORD=1 && COMP_LINE='pgvault resto' && COMP_POINT=13"
                    + " && _complete_pgvault && echo \"${COMPREPLY[@]}\"")).ok();
            assertEquals("restore", completed.stdout().strip());
            for (String unit : List.of("pgvault-ha.service", "pgvault-backup.service", "pgvault-verify.service")) {
                String text = Files.readString(Path.of("/lib/systemd/system", unit));
                assertTrue(text.contains("\nExecStart=/usr/bin/pgvault --config /etc/pgvault/pgvault.yaml "), unit + ":\n" + text);
                assertTrue(text.contains("\nUser=postgres\n"), unit + ":\n" + text);
            }
            assertTrue(Files.exists(Path.of("/lib/systemd/system/pgvault-backup.timer")));
            String cron = Files.readString(Path.of("/usr/share/doc/pgvault/examples/pgvault.cron"));
            assertTrue(cron.contains("postgres  /usr/bin/pgvault ") && !cron.contains("/opt/pgvault"), cron);

            Proc.run(root, List.of("apt-get", "remove", "-y", "pgvault"), quiet, 120).ok();
            for (String gone : List.of("/usr/share/pgvault", "/usr/bin/pgvault", "/lib/systemd/system/pgvault-ha.service",
                    "/lib/systemd/system/pgvault-backup.timer", "/usr/share/man/man1/pgvault-restore.1",
                    "/usr/share/bash-completion/completions/pgvault", "/usr/share/doc/pgvault")) {
                assertTrue(Files.notExists(Path.of(gone)), gone + " is removed with the package, made files included");
            }
            Proc.run(root, List.of("dpkg", "--purge", "pgvault"), quiet, 120).ok();
            assertTrue(Proc.run(root, List.of("dpkg", "-s", "pgvault")).exitCode() != 0, "purged: dpkg knows no pgvault");
        } finally {
            Proc.run(root, List.of("dpkg", "--purge", "pgvault"), quiet, 120);
        }
    }

    /**
     * The class-data archives exist and the JVM maps them: with -Xshare:on it refuses to start on
     * an archive it cannot use, which the launcher otherwise skips silently.
     */
    private static void assertArchivesUsable(OsUser pgUser, String version, String by) {
        for (String archive : List.of("pgvault.jsa", "pgvault-s3.jsa", "pgvault-ha.jsa")) {
            assertTrue(Files.exists(Path.of("/usr/share/pgvault/lib", archive)), by + " made " + archive);
        }
        Proc v = Proc.run(pgUser, List.of("sh", "-c", "cd / && pgvault --version"),
                Map.of("PATH", "/usr/bin:/bin", "PGVAULT_JAVA_OPTS", "-Xshare:on"), 60);
        assertEquals(0, v.exitCode(), "the JVM maps " + by + "'s archive: " + v.stderr());
        assertEquals("pgvault " + version, v.stdout().strip());
        assertEquals("", v.stderr());
        Proc ha = Proc.run(pgUser, List.of("sh", "-c", "cd / && pgvault ha --help"),
                Map.of("PATH", "/usr/bin:/bin", "PGVAULT_JAVA_OPTS", "-Xshare:on"), 60);
        assertEquals(0, ha.exitCode(), "the JVM maps " + by + "'s archive of the ha commands: " + ha.stderr());
        assertTrue(ha.stdout().contains("switchover"), ha.stdout());
    }
}
