package dev.pgvault.archiver.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplicationLinkTest {
    /**
     * The asynchronous receiver's polling reaches into pgjdbc's stream; a pgjdbc that moved
     * those fields would silently bring back a system call storm per commit (bench/wal-receive.sh
     * shows it as CPU): it must fail here instead.
     */
    @Test
    void thisPgjdbcLetsTheReceiverPollWithoutWaiting() {
        assertTrue(ReplicationLink.canPollWithoutWaiting());
    }
}
