package dev.pgvault.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Canned answers to the CDS training run's S3 requests, on a loopback port for the run's length:
 * enough for the S3 client's request and response paths (signing, HTTP, XML errors and listings)
 * to be loaded and so recorded in the class-data archive. Not an S3 server: nothing is stored,
 * every object is missing, every write is acknowledged and forgotten.
 */
final class CdsS3Responder implements AutoCloseable {
    private static final String MISSING = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
    private static final String NO_KEYS = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>training</Name>"
            + "<Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
            + "</ListBucketResult>";

    private final HttpServer server;
    /** Takes https connections and closes them once the client spoke: a handshake that fails fast. */
    private final ServerSocket hangUp;

    CdsS3Responder() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", CdsS3Responder::answer);
        server.start();
        hangUp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!hangUp.isClosed()) {
                try (Socket s = hangUp.accept()) {
                    // the client's hello read first: its TLS side is then fully made, every run
                    s.setSoTimeout(5000);
                    s.getInputStream().read();
                } catch (IOException e) {
                    // closed: the run is over
                }
            }
        }, "cds-https-hang-up");
        t.setDaemon(true);
        t.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** An https endpoint whose every handshake fails at once (the connection is closed after the client's hello). */
    URI tlsUri() {
        return URI.create("https://127.0.0.1:" + hangUp.getLocalPort());
    }

    private static void answer(HttpExchange x) throws IOException {
        try (x) {
            x.getRequestBody().transferTo(OutputStream.nullOutputStream());
            String query = x.getRequestURI().getRawQuery();
            switch (x.getRequestMethod()) {
                case "PUT" -> {
                    x.getResponseHeaders().add("ETag", "\"d41d8cd98f00b204e9800998ecf8427e\"");
                    x.sendResponseHeaders(200, -1);
                }
                case "DELETE" -> x.sendResponseHeaders(204, -1);
                case "HEAD" -> x.sendResponseHeaders(404, -1);
                case "GET" -> {
                    boolean listing = query != null && query.contains("list-type=2");
                    body(x, listing ? 200 : 404, listing ? NO_KEYS : MISSING);
                }
                default -> body(x, 501, MISSING);
            }
        }
    }

    private static void body(HttpExchange x, int status, String xml) throws IOException {
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/xml");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
    }

    @Override
    public void close() throws IOException {
        hangUp.close();
        server.stop(0);
    }
}
