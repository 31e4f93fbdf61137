package dev.pgvault.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AgentEarlyStartTest {
    private static final Map<String, String> NO_ENV = Map.of();

    private static Optional<AgentEarlyStart.Invocation> of(Map<String, String> env, String... args) {
        return AgentEarlyStart.agentInvocation(args, env);
    }

    @Test
    void anAgentsCommandLineIsRecognisedWithItsConfigurationAndVerbosity() {
        assertEquals(Optional.of(new AgentEarlyStart.Invocation(Path.of("/etc/n1.yaml"), false)),
                of(NO_ENV, "--config", "/etc/n1.yaml", "ha", "run"));
        assertEquals(Optional.of(new AgentEarlyStart.Invocation(Path.of("/etc/n1.yaml"), true)),
                of(NO_ENV, "--verbose", "--config=/etc/n1.yaml", "ha", "run", "--log-format", "json"));
        assertEquals(Optional.of(new AgentEarlyStart.Invocation(Path.of("/srv/from-env.yaml"), false)),
                of(Map.of("PGVAULT_CONFIG", "/srv/from-env.yaml"), "ha", "run"), "the configuration the command itself finds");
        assertEquals(Optional.of(new AgentEarlyStart.Invocation(Path.of("/etc/pgvault/pgvault.yaml"), false)),
                of(NO_ENV, "ha", "run"));
    }

    @Test
    void everyOtherCommandLineStartsNothing() {
        for (String[] args : new String[][] {
                {}, {"ha"}, {"ha", "list"}, {"ha", "switchover", "--to", "n2"}, {"--config", "/c.yaml", "archive-push", "x"},
                {"--config"}, {"--config", "/c.yaml"}, {"--unknown", "ha", "run"}, {"run", "ha"}, {"--config", "a\0b", "ha", "run"}}) {
            assertTrue(of(NO_ENV, args).isEmpty(), String.join(" ", args));
        }
    }
}
