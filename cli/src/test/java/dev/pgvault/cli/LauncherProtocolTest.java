package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgvault.archiver.async.Spool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The launcher answers from the spool only for the layout version the JVM side writes. */
class LauncherProtocolTest {
    @Test
    void theLauncherChecksTheSpoolsProtocolTheJvmWrites() throws Exception {
        String launcher = Files.readString(Path.of("../bin/pgvault"));
        assertTrue(launcher.contains("read -r proto < \"$spool/protocol\" 2>/dev/null && [ \"$proto\" = "
                + Spool.PROTOCOL + " ] || return 0"), "bin/pgvault must check protocol " + Spool.PROTOCOL);
    }
}
