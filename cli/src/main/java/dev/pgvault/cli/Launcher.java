package dev.pgvault.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where this pgvault's launcher script is: restore_command and archive_command must call it. */
final class Launcher {
    private Launcher() {}

    /** The absolute path of bin/pgvault, as the launcher passed it; fails when run without it. */
    static Path path() {
        String p = System.getProperty("pgvault.launcher");
        if (p == null || !Files.isExecutable(Path.of(p))) {
            throw new UserError(ExitCode.INTERNAL, "pgvault was not started by its launcher (bin/pgvault):"
                    + " cannot write a restore_command that calls it");
        }
        return Path.of(p);
    }
}
