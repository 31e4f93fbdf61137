package dev.pgvault.restore.replica;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * libpq password files ({@code hostname:port:database:username:password}, ':' and '\' escaped
 * with '\', '*' matching anything, the first matching line winning). A replica's password goes
 * into one of its own, mode 0600 in PGDATA, that primary_conninfo names with passfile=...: then
 * postgresql.auto.conf, which backups copy and ALTER SYSTEM rewrites, never holds it.
 */
public final class PassFile {
    /** The passfile replica bootstrap writes in PGDATA; pgvault backups leave it out. */
    public static final String NAME = "pgvault.pgpass";

    private PassFile() {}

    /** The one line of a passfile that gives {@code password} to any connection that reads the file. */
    static String line(String password) {
        if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0) {
            throw new InvalidConnInfoException("the password in the primary's connection string holds a line break,"
                    + " which a libpq password file cannot hold");
        }
        return "*:*:*:*:" + escape(password) + "\n";
    }

    static String escape(String field) {
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }

    /** The password {@code file} gives for a connection, as libpq looks it up; empty when none or no file. */
    static Optional<String> lookup(Path file, String host, String port, String database, String user) throws IOException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            return Optional.empty();
        }
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> f = fields(line);
            if (f.size() == 5 && matches(f.get(0), host) && matches(f.get(1), port) && matches(f.get(2), database)
                    && matches(f.get(3), user)) {
                return Optional.of(f.get(4));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(String pattern, String value) {
        return pattern.equals("*") || pattern.equals(value);
    }

    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                f.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        out.add(f.toString());
        return out;
    }
}
