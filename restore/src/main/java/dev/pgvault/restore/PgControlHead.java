package dev.pgvault.restore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The first fields of a data directory's global/pg_control, the same in every PostgreSQL since
 * 9.0: the system identifier (8 bytes), two 4-byte version numbers, the cluster's state (DBState,
 * 4 bytes). In the host's byte order, as PostgreSQL writes it: pgvault runs where PostgreSQL does.
 */
final class PgControlHead {
    private static final int STATE_OFFSET = 16;

    private PgControlHead() {}

    /** The system identifier, if pg_control can be read that far. */
    static OptionalLong systemIdentifier(Path dataDirectory) {
        ByteBuffer head = head(dataDirectory, 8);
        return head == null ? OptionalLong.empty() : OptionalLong.of(head.getLong(0));
    }

    /** The DBState (1: shut down, 2: shut down in recovery, 6: in production...), if pg_control can be read that far. */
    static OptionalInt state(Path dataDirectory) {
        ByteBuffer head = head(dataDirectory, STATE_OFFSET + 4);
        return head == null ? OptionalInt.empty() : OptionalInt.of(head.getInt(STATE_OFFSET));
    }

    /** The first {@code bytes} of pg_control, or null when it is shorter or cannot be read. */
    private static ByteBuffer head(Path dataDirectory, int bytes) {
        try (InputStream in = Files.newInputStream(dataDirectory.resolve(RestorePlan.PG_CONTROL), LinkOption.NOFOLLOW_LINKS)) {
            byte[] b = in.readNBytes(bytes);
            return b.length < bytes ? null : ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
