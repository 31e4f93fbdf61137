package dev.pgvault.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ports for the servers the tests start, kill and start again (PostgreSQL, etcd, the HA API).
 * Not from the kernel's ephemeral range, where bind(0) would pick them: while such a server is
 * down, any outgoing connection (a JDBC reconnect, an etcd client) may take its port as a local
 * port, and the server then cannot listen again ("could not create any TCP/IP sockets").
 */
final class TestPorts {
    private static final int[] RANGE = range();
    private static int next = RANGE[0] + (int) (ProcessHandle.current().pid() % (RANGE[1] - RANGE[0]));

    private TestPorts() {}

    /** A port nothing listens on now, never handed out before by this JVM. */
    static synchronized int next() throws IOException {
        int size = RANGE[1] - RANGE[0];
        for (int tries = 0; tries < size; tries++) {
            int port = RANGE[0] + Math.floorMod(next++ - RANGE[0], size);
            if (free(port)) {
                return port;
            }
        }
        throw new IOException("no free port in " + RANGE[0] + "-" + RANGE[1]);
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
