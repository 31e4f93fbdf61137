package dev.pgvault.ha.fence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The fence's directory beside the data directory ({@code <pgdata>.fence}): the agent's order, the
 * lock the running fence holds, and the fence's log.
 */
public record FenceFiles(Path dir) {

    public static FenceFiles beside(Path dataDirectory) {
        Path data = dataDirectory.toAbsolutePath();
        return new FenceFiles(data.resolveSibling(data.getFileName() + ".fence"));
    }

    public Path order() {
        return dir.resolve("order");
    }

    public Path lock() {
        return dir.resolve("lock");
    }

    public Path log() {
        return dir.resolve("fence.log");
    }

    /** Replaces the order in one rename: the fence never reads half of one. */
    public void write(FenceOrder order) throws IOException {
        Files.createDirectories(dir);
        Path temp = dir.resolve(".order." + ProcessHandle.current().pid());
        Files.writeString(temp, order.encode(), StandardCharsets.UTF_8);
        Files.move(temp, order(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public Optional<FenceOrder> read() throws IOException {
        try {
            return Optional.of(FenceOrder.parse(Files.readString(order(), StandardCharsets.UTF_8)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The running kernel's boot id; the monotonic clock restarts with each boot. */
    public static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
