package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentEarlyStartTest {
    @TempDir
    Path dir;
    private static final Map<String, String> NO_ENV = Map.of();

    private static Optional<AgentEarlyStart.Invocation> of(Map<String, String> env, String... args) {
        return AgentEarlyStart.agentInvocation(args, env);
    }

    @Test
    void anAgentsCommandLineIsRecognisedWithItsConfigurationAndVerbosity() throws Exception {
        Path file = dir.resolve("n1.yaml");
        Files.writeString(file, "stanza: s\n");
        String f = file.toString();
        assertEquals(Optional.of(new AgentEarlyStart.Invocation(file, false)), of(NO_ENV, "--config", f, "ha", "run"));
        assertEquals(Optional.of(new AgentEarlyStart.Invocation(file, true)),
                of(NO_ENV, "--verbose", "--config=" + f, "ha", "run", "--log-format", "json"));
        assertEquals(Optional.of(new AgentEarlyStart.Invocation(file, false)), of(Map.of("PGVAULT_CONFIG", f), "ha", "run"),
                "the configuration the command itself finds");
    }

    @Test
    void everyOtherCommandLineStartsNothing() throws Exception {
        Path file = dir.resolve("n1.yaml");
        Files.writeString(file, "stanza: s\n");
        String f = file.toString();
        for (String[] args : new String[][] {
                {}, {"ha"}, {"--config", f, "ha", "list"}, {"--config", f, "ha", "switchover", "--to", "n2"},
                {"--config", f, "archive-push", "x"}, {"--config"}, {"--config", f}, {"--unknown", "--config", f, "ha", "run"},
                {"--config", f, "run", "ha"}, {"--config", "a\0b", "ha", "run"},
                // options given again after the command: picocli's to weigh, not guessed at here
                {"--config", f, "ha", "run", "--verbose"}, {"--config", f, "ha", "run", "--config", "/other.yaml"},
                {"ha", "run", "--config=" + f},
                // not a plain file: a pipe would be read empty by the command after this read it
                {"--config", "/dev/stdin", "ha", "run"}, {"--config", dir.toString(), "ha", "run"},
                {"--config", dir.resolve("missing.yaml").toString(), "ha", "run"}}) {
            assertTrue(of(NO_ENV, args).isEmpty(), String.join(" ", args));
        }
    }
}
