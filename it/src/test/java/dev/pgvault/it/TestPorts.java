package dev.pgvault.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Ports for the servers the tests start, kill and start again (PostgreSQL, etcd, the HA API).
 * Not from the kernel's ephemeral range, where bind(0) would pick them: while such a server is
 * down, any outgoing connection (a JDBC reconnect, an etcd client) may take its port as a local
 * port, and the server then cannot listen again ("could not create any TCP/IP sockets").
 *
 * <p>Test classes run in two JVMs at once (it/pom.xml), and a port is handed out long before
 * its server listens, or while its server is down for a restart: a bind cannot tell that another
 * JVM holds it. So each port handed out is also locked, for this JVM's life, through a file of
 * its own in {@link #LOCKS} (the kernel drops the lock when the JVM ends, even killed).
 */
final class TestPorts {
    private static final int[] RANGE = range();
    private static int next = RANGE[0] + (int) (ProcessHandle.current().pid() % (RANGE[1] - RANGE[0]));
    private static final Path LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "pgvault-it-ports");
    private static boolean locksReady;
    private static final List<FileLock> HELD = new ArrayList<>();

    private TestPorts() {}

    /** A port nothing listens on now, never handed out before by this JVM or one running beside it. */
    static synchronized int next() throws IOException {
        int size = RANGE[1] - RANGE[0];
        if (!locksReady) {
            Files.createDirectories(LOCKS);
            // whoever runs the tests next (root in CI, a developer's own account) locks here too
            LOCKS.toFile().setWritable(true, false);
            locksReady = true;
        }
        for (int tries = 0; tries < size; tries++) {
            int port = RANGE[0] + Math.floorMod(next++ - RANGE[0], size);
            if (free(port) && claim(port)) {
                return port;
            }
        }
        throw new IOException("no free port in " + RANGE[0] + "-" + RANGE[1]);
    }

    /**
     * Locks {@code port}'s file for this JVM's life; false when another JVM holds it, or when
     * another user's run left a file this one may not open (that port is skipped).
     */
    private static boolean claim(int port) throws IOException {
        FileChannel f;
        try {
            f = FileChannel.open(LOCKS.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (java.nio.file.AccessDeniedException e) {
            return false;
        }
        try {
            FileLock lock = f.tryLock();
            if (lock != null) {
                HELD.add(lock);
                return true;
            }
        } catch (OverlappingFileLockException e) {
            // this JVM's own, from a turn around the range: still in use
        }
        f.close();
        return false;
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(port)); // the wildcard address: free on loopback too
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** [low, high) below the ephemeral range, or above it when it starts too low to leave room. */
    private static int[] range() {
        int low = 32768;
        int high = 60999;
        try {
            String[] r = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            low = Integer.parseInt(r[0]);
            high = Integer.parseInt(r[1]);
        } catch (IOException | RuntimeException e) {
            // not Linux: the usual defaults
        }
        return low >= 12000 ? new int[] {low - 10000, low} : new int[] {high + 1, 65535};
    }
}
