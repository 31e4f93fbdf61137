package dev.pgvault.cli.ha;

import dev.pgvault.ha.HaSettings;
import dev.pgvault.ha.tls.TlsSetupException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * A switchover through this node's own agent (its REST API on ha.api, with the API token), so the
 * command pays no etcd client start: POST /switchover, then GET /cluster until the target leads
 * as a running primary. Empty when no agent answers here: the caller then goes to etcd itself.
 */
public final class RestSwitchover {
    private static final int CONNECT_MILLIS = 500;
    private static final int READ_MILLIS = 5000;

    /** What the agent answered: its status and its one-line error, if any. */
    public record Answer(int status, String body) {
        /** The "error" field of a JSON error answer, else the body. */
        public String error() {
            Matcher m = Pattern.compile("\"error\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(body);
            return m.find() ? m.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : body;
        }
    }

    private final URI base;
    private final String token;
    /** This node's member name: the agent that answers here. */
    private final String self;
    /** With TLS: trusts exactly this node's own certificate (the agent serves the one this configuration names). */
    private final SSLContext pinned;

    public RestSwitchover(HaSettings settings) throws TlsSetupException {
        String host = settings.apiHost().equals("0.0.0.0") || settings.apiHost().equals("::") ? "127.0.0.1"
                : settings.apiHost();
        this.base = URI.create(settings.apiScheme() + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + settings.apiPort());
        this.token = settings.apiToken();
        this.self = settings.name();
        this.pinned = settings.apiTls() == null ? null : settings.apiTls().pinnedClientContext();
    }

    /** Empty when the local agent cannot be reached (not running, or listening elsewhere). */
    public Optional<Answer> request(String to) throws IOException {
        try {
            return Optional.of(call("POST", "/switchover", "{\"to\":\"" + to.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}"));
        } catch (ConnectException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether {@code name} leads as a running primary, polled until {@code timeout}: asked of the
     * local agent's own /primary check when it is that node (true at the end of the cycle that
     * promoted it), else read from the local agent's cluster view (which shows the new primary
     * only from the cycle after its agent published it: up to a loop-wait later).
     */
    public boolean awaitPrimary(String name, Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Pattern leader = Pattern.compile("\"leader\":\"" + Pattern.quote(name) + "\"");
        Pattern member = Pattern.compile("\\{\"name\":\"" + Pattern.quote(name) + "\",\"role\":\"primary\",\"state\":\"running\"");
        boolean itself = name.equals(self);
        while (Instant.now().isBefore(deadline)) {
            try {
                Answer a = call("GET", itself ? "/primary" : "/cluster", null);
                if (a.status() == 200 && (itself || leader.matcher(a.body()).find() && member.matcher(a.body()).find())) {
                    return true;
                }
            } catch (IOException e) {
                // the local agent restarting PostgreSQL or between cycles: ask again
            }
            Thread.sleep(100);
        }
        return false;
    }

    private Answer call(String method, String path, String body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
        if (c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(pinned.getSocketFactory());
            https.setHostnameVerifier((name, session) -> true); // the pinned certificate is the check
        }
        c.setConnectTimeout(CONNECT_MILLIS);
        c.setReadTimeout(READ_MILLIS);
        c.setRequestMethod(method);
        if (body != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.setRequestProperty("Authorization", "Bearer " + token);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            if (in != null) {
                in.transferTo(b);
            }
            return new Answer(status, b.toString(StandardCharsets.UTF_8));
        } finally {
            c.disconnect();
        }
    }
}
