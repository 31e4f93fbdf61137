package dev.pgvault.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on a loopback port in front of one server, which a test can cut: while cut, no byte
 * crosses in either direction and new connections are accepted but carry nothing, as across a
 * network partition (packets dropped, not refused: a client learns of it only by its own
 * timeouts). Healed, the bytes held back are delivered, as TCP retransmits them when a partition
 * ends. The HA trials put one relay per etcd member in front of each node, to cut a node off from
 * etcd while its PostgreSQL stays reachable by clients (the case that splits a brain).
 */
final class TcpRelay implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Object gate = new Object();
    private volatile boolean cut;
    private volatile boolean closed;

    private TcpRelay(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
    }

    /** A relay to {@code host:port}, listening on a free loopback port. */
    static TcpRelay start(String host, int port) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        TcpRelay relay = new TcpRelay(s, new InetSocketAddress(host, port));
        Thread t = new Thread(relay::acceptLoop, "relay-" + s.getLocalPort());
        t.setDaemon(true);
        t.start();
        return relay;
    }

    int port() {
        return server.getLocalPort();
    }

    /** The URL a client uses instead of the target's. */
    String url() {
        return "http://127.0.0.1:" + port();
    }

    void cut() {
        cut = true;
    }

    void heal() {
        synchronized (gate) {
            cut = false;
            gate.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket in = server.accept();
                Socket out = new Socket();
                try {
                    out.connect(target, 2000);
                } catch (IOException e) {
                    in.close(); // the server itself is down: refused, as it would be without the relay
                    continue;
                }
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            } catch (IOException e) {
                if (!closed) {
                    sleep();
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (from; to) {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    awaitOpen();
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side closed: the finally closes both, as a proxy would
            } finally {
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private void awaitOpen() throws InterruptedException {
        synchronized (gate) {
            while (cut && !closed) {
                gate.wait(500);
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        heal();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
