package dev.pgvault.ha.pg;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** pg_rewind's output, as PostgreSQL 15's pg_rewind and libpq print it. */
class RewindOutputTest {

    @Test
    void aConnectionNeverMadeChangedNothing() {
        assertTrue(RewindOutput.sourceNotConnected("pg_rewind: error: connection to server at \"127.0.0.1\", port 1"
                + " failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n"));
        assertTrue(RewindOutput.sourceNotConnected("pg_rewind: error: connection to server at \"10.0.0.2\", port 5432"
                + " failed: FATAL:  password authentication failed for user \"postgres\"\n"));
        assertTrue(RewindOutput.sourceNotConnected("pg_rewind: error: connection to server on socket"
                + " \"/run/postgresql/.s.PGSQL.5432\" failed: No such file or directory\n"));
    }

    @Test
    void aConnectionLostHalfWayOrOtherLinesAboutConnectionsAreNotSo() {
        assertFalse(RewindOutput.sourceNotConnected("pg_rewind: servers diverged at WAL location 0/3000060 on timeline 1\n"
                + "pg_rewind: rewinding from last common checkpoint at 0/2000060 on timeline 1\n"
                + "pg_rewind: error: could not fetch remote file \"base/5/1259\": server closed the connection"
                + " unexpectedly\n"));
        assertFalse(RewindOutput.sourceNotConnected("pg_rewind: servers diverged at WAL location 0/3000060 on timeline 1\n"
                + "pg_rewind: error: connection to server at \"127.0.0.1\", port 5432 failed: Connection refused\n"));
        assertFalse(RewindOutput.sourceNotConnected("connection to server at \"s3\" failed: timeout (from restore_command)\n"
                + "pg_rewind: error: could not find previous WAL record at 0/3000028\n"));
        assertFalse(RewindOutput.sourceNotConnected("pg_rewind: error: could not find common ancestor of the source and"
                + " target cluster's timelines\n"));
    }
}
