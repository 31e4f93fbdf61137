package dev.pgvault.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running cluster is the backup's when its pg_control says so. */
class SameHostOriginalTest {
    @TempDir
    Path tmp;

    @Test
    void theSystemIdentifierIsPgControlsFirstEightBytesAndNothingWhenUnreadable() throws Exception {
        Path global = Files.createDirectories(tmp.resolve("data/global"));
        ByteBuffer control = ByteBuffer.allocate(8192).order(ByteOrder.nativeOrder());
        control.putLong(0, RestoreTest.CLUSTER.systemIdentifier());
        Files.write(global.resolve("pg_control"), control.array());
        assertEquals(OptionalLong.of(RestoreTest.CLUSTER.systemIdentifier()), SameHostOriginal.systemIdentifier(tmp.resolve("data")));
        assertEquals(OptionalLong.empty(), SameHostOriginal.systemIdentifier(tmp.resolve("none")));
        Files.write(global.resolve("pg_control"), new byte[3]);
        assertEquals(OptionalLong.empty(), SameHostOriginal.systemIdentifier(tmp.resolve("data")));
    }
}
