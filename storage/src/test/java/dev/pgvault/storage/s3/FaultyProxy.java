package dev.pgvault.storage.s3;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An HTTP proxy between a client and an S3 server that fails requests on a script. Each
 * connection carries one request (the forwarded head says {@code Connection: close}); the plan
 * sees every request, numbered from 1, and picks its {@link Fault}. Failed requests never reach
 * the server, except {@link Fault#CUT}, whose response is cut short after the server acted.
 */
public final class FaultyProxy implements AutoCloseable {

    public enum Fault {
        /** Pass the request and response through. */
        FORWARD,
        /** Answer 500 InternalError with an S3 XML error body. */
        ERROR_500,
        /** Answer 503 SlowDown with an S3 XML error body. */
        ERROR_503,
        /** Reset the connection before any response. */
        DROP,
        /**
         * Forward the request, then cut the response in the middle of its body; a response without
         * a body is lost whole (the connection is reset). Never cut a head short: Apache HttpClient
         * 4 takes a head ended by EOF as complete, so the SDK would not even notice.
         */
        CUT,
        /**
         * Forward the request after {@link #SLOW_MILLIS}, as an overloaded server answers late
         * (within the client's socket timeout: a late answer is still an answer).
         */
        SLOW
    }

    /** How late a {@link Fault#SLOW} request reaches the server. */
    public static final long SLOW_MILLIS = 2000;

    /** One request head as the plan sees it; header names are lower case. */
    public record Request(int number, String method, String target, Map<String, String> headers) {
        public boolean isListing() {
            return method.equals("GET") && target.contains("list-type=");
        }

        public boolean isConditional() {
            return headers.containsKey("if-none-match") || headers.containsKey("if-match");
        }

        /** Whether the server acting twice on it does no harm (a CUT response makes the SDK resend it). */
        public boolean safeToRepeat() {
            return method.equals("HEAD") || isListing() || (method.equals("PUT") && !isConditional())
                    || (method.equals("DELETE") && !target.contains("uploadId="));
        }
    }

    private final ServerSocket server;
    private final int upstreamPort;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger faults = new AtomicInteger();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Function<Request, Fault> plan;

    public FaultyProxy(int upstreamPort, Function<Request, Fault> plan) throws IOException {
        this.upstreamPort = upstreamPort;
        this.plan = plan;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "faulty-proxy-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public void plan(Function<Request, Fault> plan) {
        this.plan = plan;
    }

    public int requests() {
        return requests.get();
    }

    public int faults() {
        return faults.get();
    }

    /** "n METHOD target -> FAULT" for every request seen, for failure messages. */
    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                Thread t = new Thread(() -> handle(client), "faulty-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            client.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] requestLine = lines[0].split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            Request request = new Request(requests.incrementAndGet(), requestLine[0], requestLine[1], headers);
            Fault fault = plan.apply(request);
            log.add(request.number() + " " + request.method() + " " + request.target() + " -> " + fault);
            if (fault != Fault.FORWARD) {
                faults.incrementAndGet();
            }
            switch (fault) {
                case DROP -> client.setSoLinger(true, 0); // closing now sends a reset
                case ERROR_500 -> error(request, in, out, "500 Internal Server Error", "InternalError",
                        "We encountered an internal error. Please try again.");
                case ERROR_503 -> error(request, in, out, "503 Slow Down", "SlowDown",
                        "Please reduce your request rate.");
                case FORWARD, CUT -> forward(client, lines, request, in, out, fault == Fault.CUT);
                case SLOW -> {
                    sleep(SLOW_MILLIS);
                    forward(client, lines, request, in, out, false);
                }
            }
        } catch (IOException e) {
            // the client or the server went away: nothing to do
        } finally {
            open.remove(client);
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while delaying a request");
        }
    }

    private static void error(Request request, InputStream in, OutputStream out, String status, String code,
            String message) throws IOException {
        // Read the body the client is sending, unless it waits for "100 Continue" (it never comes).
        if (!"100-continue".equalsIgnoreCase(request.headers().get("expect"))) {
            in.skipNBytes(Long.parseLong(request.headers().getOrDefault("content-length", "0")));
        }
        byte[] body = request.method().equals("HEAD") ? new byte[0]
                : ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                        + "</Message><RequestId>fault-" + request.number() + "</RequestId></Error>")
                        .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + "\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                + "\r\nx-amz-request-id: fault-" + request.number() + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private void forward(Socket client, String[] lines, Request request, InputStream in, OutputStream out, boolean cut)
            throws IOException {
        StringBuilder head = new StringBuilder(lines[0]).append("\r\n");
        for (int i = 1; i < lines.length; i++) {
            String name = lines[i].split(":", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!name.equals("connection") && !name.equals("keep-alive")) {
                head.append(lines[i]).append("\r\n");
            }
        }
        head.append("Connection: close\r\n\r\n");
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            open.add(upstream);
            upstream.setSoTimeout(30_000);
            OutputStream toServer = upstream.getOutputStream();
            toServer.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            toServer.flush();
            Thread pump = new Thread(() -> {
                try {
                    in.transferTo(toServer);
                    upstream.shutdownOutput();
                } catch (IOException e) {
                    // connection closed: the exchange is over
                }
            }, "faulty-proxy-pump");
            pump.setDaemon(true);
            pump.start();
            InputStream fromServer = new BufferedInputStream(upstream.getInputStream());
            if (cut) {
                if (!cutResponse(request, fromServer, out)) {
                    client.setSoLinger(true, 0);
                }
            } else {
                fromServer.transferTo(out);
            }
            out.flush();
        } finally {
            open.removeIf(Socket::isClosed);
        }
    }

    /** Forwards the response up to the middle of its body; false if it has none (forwards nothing). */
    private static boolean cutResponse(Request request, InputStream fromServer, OutputStream out) throws IOException {
        byte[] head;
        while (true) {
            head = readHead(fromServer);
            if (head == null) {
                return false;
            }
            if (!new String(head, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 1")) {
                break; // not an interim "100 Continue"
            }
            out.write(head);
            out.flush();
        }
        String text = new String(head, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        long length = -1;
        for (String line : text.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        if (request.method().equals("HEAD") || length == 0) {
            return false;
        }
        if (length < 0 && !text.contains("transfer-encoding: chunked")) {
            // Delimited by the end of the connection (the server saw "Connection: close"): a cut
            // there cannot be told from the end. Give the body a length, as S3 does, then cut it.
            byte[] body = fromServer.readAllBytes();
            if (body.length < 2) {
                return false;
            }
            String framed = new String(head, 0, head.length - 2, StandardCharsets.ISO_8859_1)
                    + "Content-Length: " + body.length + "\r\n\r\n";
            out.write(framed.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, 0, body.length / 2);
            return true;
        }
        out.write(head);
        if (length > 0) {
            out.write(fromServer.readNBytes((int) Math.min(length / 2, Integer.MAX_VALUE)));
        } else { // chunked: half of what came first
            byte[] first = new byte[8192];
            int n = fromServer.read(first);
            if (n < 2) {
                return false;
            }
            out.write(first, 0, n / 2);
        }
        return true;
    }

    /** The bytes up to and including the blank line ending a head, or null at end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 64 * 1024) {
                throw new IOException("head too long");
            }
        }
        return head.toByteArray();
    }
}
