package dev.pgvault.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The release tarball as a user installs it: unpacked into a fresh directory, given to
 * PostgreSQL's OS user, its class-data archive made by the install step, and run from another
 * working directory; its bash completion loaded and asked to complete a command.
 */
class PackagingIT {

    private static Path tarball() throws Exception {
        Path target = Path.of(System.getProperty("pgvault.checkout", "..")).toAbsolutePath().normalize().resolve("cli/target");
        try (Stream<Path> files = Files.list(target)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().matches("pgvault-.*\\.tar\\.gz")).toList();
            assertEquals(1, found.size(), "one release tarball in " + target + ": " + found);
            return found.get(0);
        }
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
            for (String archive : List.of("lib/pgvault.jsa", "lib/pgvault-s3.jsa")) {
                assertTrue(Files.notExists(home.resolve(archive)), archive + ": the class-data archives are made on install, not shipped");
            }

            String launcher = home.resolve("bin/pgvault").toString();
            Proc.run(pgUser, List.of("sh", "-c", "cd / && " + launcher + " --build-cds")).ok();
            for (String archive : List.of("lib/pgvault.jsa", "lib/pgvault-s3.jsa")) {
                assertTrue(Files.exists(home.resolve(archive)), "pgvault --build-cds made " + archive);
            }
            Proc v = Proc.run(pgUser, List.of("sh", "-c", "cd / && " + launcher + " --version")).ok();
            assertEquals("pgvault " + version, v.stdout().strip());
            Proc help = Proc.run(pgUser, List.of("sh", "-c", "cd /tmp && " + launcher + " restore --help")).ok();
            assertTrue(help.stdout().startsWith("Usage: pgvault restore"), help.stdout());
            assertEquals("", help.stderr());

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
}
