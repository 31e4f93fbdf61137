package dev.pgvault.archiver.pg;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ServerVersionTest {
    @Test
    void fifteenAndLaterAreAcceptedAndAnOlderServerIsNamed() {
        assertDoesNotThrow(() -> ServerVersion.requireSupported(150010, "15.10", "127.0.0.1:5432/postgres"));
        assertDoesNotThrow(() -> ServerVersion.requireSupported(170002, "17.2", "127.0.0.1:5432/postgres"));
        PgException e = assertThrows(PgException.class,
                () -> ServerVersion.requireSupported(140013, "14.13 (Debian 14.13-1.pgdg120+1)", "10.0.0.5:5432/postgres"));
        assertEquals("PostgreSQL 14.13 (Debian 14.13-1.pgdg120+1) at 10.0.0.5:5432/postgres is older than pgvault"
                + " supports: 15 or later (pgvault backs up with pg_backup_start, which PostgreSQL 14 does not have)",
                e.getMessage());
    }
}
