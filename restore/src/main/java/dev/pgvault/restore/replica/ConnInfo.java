package dev.pgvault.restore.replica;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A libpq connection string in keyword/value form ({@code host=db1 port=5432 user='rep user'}), as
 * PostgreSQL's primary_conninfo takes it. Parsed as libpq parses it: pairs separated by white
 * space, spaces allowed around '=', a value either bare (a backslash escapes the next character)
 * or single-quoted (backslash escapes {@code '} and {@code \}); a repeated keyword's last value
 * wins. Keywords libpq does not know are refused here rather than by the standby's every
 * connection attempt. {@link #toString} never shows the password.
 */
public record ConnInfo(Map<String, String> params) {
    public static final String PASSWORD = "password";
    public static final String PASSFILE = "passfile";

    /** libpq's keywords (PostgreSQL 15, and those PostgreSQL 16 added). */
    static final Set<String> KEYWORDS = Set.of("host", "hostaddr", "port", "dbname", "user", PASSWORD, PASSFILE,
            "channel_binding", "connect_timeout", "client_encoding", "options", "application_name",
            "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
            "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl", "sslcompression", "sslcert", "sslkey",
            "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
            "ssl_max_protocol_version", "krbsrvname", "gsslib", "service", "target_session_attrs", "load_balance_hosts",
            "require_auth", "sslcertmode", "gssdelegation");

    public ConnInfo {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public static ConnInfo parse(String text) {
        String t = text.strip();
        if (t.startsWith("postgresql://") || t.startsWith("postgres://")) {
            throw new InvalidConnInfoException("give the primary's connection as keyword=value pairs"
                    + " ('host=... port=... user=...'), not as a URI");
        }
        Map<String, String> params = new LinkedHashMap<>();
        int i = 0;
        int n = t.length();
        while (i < n) {
            int keyStart = i;
            while (i < n && t.charAt(i) != '=' && !Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            String key = t.substring(keyStart, i);
            i = skipSpace(t, i);
            if (i >= n || t.charAt(i) != '=') {
                throw new InvalidConnInfoException("bad connection string: missing '=' after '" + key + "'");
            }
            i = skipSpace(t, i + 1);
            StringBuilder value = new StringBuilder();
            if (i < n && t.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = t.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(t.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    throw new InvalidConnInfoException("bad connection string: unterminated quoted value of '" + key + "'");
                }
            } else {
                while (i < n && !Character.isWhitespace(t.charAt(i))) {
                    char c = t.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(t.charAt(i++));
                    } else {
                        value.append(c);
                    }
                }
            }
            if (!KEYWORDS.contains(key)) {
                throw new InvalidConnInfoException("bad connection string: libpq has no keyword '" + key + "'");
            }
            params.put(key, value.toString());
            i = skipSpace(t, i);
        }
        if (params.isEmpty()) {
            throw new InvalidConnInfoException("the primary's connection string is empty: give at least host=... and user=...");
        }
        return new ConnInfo(params);
    }

    private static int skipSpace(String t, int i) {
        while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
            i++;
        }
        return i;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(params.get(key));
    }

    public ConnInfo without(String key) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.remove(key);
        return new ConnInfo(p);
    }

    public ConnInfo with(String key, String value) {
        Map<String, String> p = new LinkedHashMap<>(params);
        p.put(key, value);
        return new ConnInfo(p);
    }

    /** libpq syntax again: every value single-quoted, so any text survives. */
    public String format() {
        StringBuilder out = new StringBuilder();
        params.forEach((k, v) -> {
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(k).append("='").append(v.replace("\\", "\\\\").replace("'", "\\'")).append('\'');
        });
        return out.toString();
    }

    /** For messages: the password, if any, as {@code ********}. */
    @Override
    public String toString() {
        return (params.containsKey(PASSWORD) ? with(PASSWORD, "********") : this).format();
    }

    /** A short description: {@code user@host:port}. */
    public String describe() {
        String host = get("host").or(() -> get("hostaddr")).orElse("localhost");
        return get("user").map(u -> u + "@").orElse("") + host + get("port").map(p -> ":" + p).orElse("");
    }
}
