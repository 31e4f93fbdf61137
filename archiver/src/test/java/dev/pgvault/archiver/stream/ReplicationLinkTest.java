package dev.pgvault.archiver.stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplicationLinkTest {
    /**
     * The receiver's polling and its idle wait reach into pgjdbc's stream; a pgjdbc that moved
     * those fields would silently bring back a system call storm per commit, and a wake-up every
     * few milliseconds when idle (bench/wal-receive.sh shows both as CPU): it must fail here instead.
     */
    @Test
    void thisPgjdbcLetsTheReceiverPollWithoutWaiting() {
        assertTrue(ReplicationLink.canPollWithoutWaiting());
    }
}
