package dev.pgvault.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A short lease on a multi-member etcd is named at the agent's start; a standard lease or one member is not. */
class ShortLeaseWarningTest {

    private static HaSettings settings(int ttl, int loopWait) {
        return new HaSettings("demo", "n1", List.of(URI.create("http://127.0.0.1:2379")), Duration.ofSeconds(ttl),
                Duration.ofSeconds(loopWait), "127.0.0.1", 8008, "127.0.0.1", 5432, 1 << 20, false, List.of(),
                Bootstrap.INITDB, null);
    }

    @Test
    void aShortLeaseOnSeveralMembersIsWarnedOf() {
        Optional<String> warning = settings(4, 1).shortLeaseWarning(3);
        assertTrue(warning.isPresent());
        assertTrue(warning.get().startsWith("warning: ttl 4 s is a short lease and etcd has 3 members:"), warning.get());
        assertTrue(warning.get().contains("use ttl 10 or more"), warning.get());
        assertTrue(settings(7, 1).shortLeaseWarning(2).isPresent(), "7 s is short at loop-wait 1");
    }

    @Test
    void aStandardLeaseOrASingleMemberIsNot() {
        assertEquals(Optional.empty(), settings(4, 1).shortLeaseWarning(1));
        assertEquals(Optional.empty(), settings(8, 1).shortLeaseWarning(3));
        assertEquals(Optional.empty(), settings(10, 1).shortLeaseWarning(5));
        assertEquals(Optional.empty(), settings(11, 2).shortLeaseWarning(3));
    }
}
