package dev.pgvault.cli.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One mapping of the YAML file, read key by key. Every read marks its key as known, so that
 * {@link #finish()} can refuse keys nobody asked for: a misspelt key is an error, not silently
 * ignored.
 */
final class YamlSection {
    private final Path file;
    private final String path;
    private final Map<?, ?> values;
    private final Set<String> read = new LinkedHashSet<>();

    YamlSection(Path file, String path, Map<?, ?> values) {
        this.file = file;
        this.path = path;
        this.values = values == null ? Map.of() : values;
    }

    private String name(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigException error(String key, String problem) {
        return new ConfigException(problem + ": '" + name(key) + "' in " + file);
    }

    private Object raw(String key) {
        read.add(key);
        return values.get(key);
    }

    boolean has(String key) {
        return values.get(key) != null;
    }

    String string(String key, String fallback) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Map || v instanceof List) {
            throw error(key, "expected a single value");
        }
        String s = v.toString().trim();
        if (s.isEmpty()) {
            throw error(key, "empty value");
        }
        return s;
    }

    String requiredString(String key) throws ConfigException {
        String s = string(key, null);
        if (s == null) {
            throw error(key, "missing required key");
        }
        return s;
    }

    /** A secret: never echoed back in an error. */
    String secret(String key) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Map || v instanceof List || v.toString().isEmpty()) {
            throw error(key, "expected a non-empty single value");
        }
        return v.toString();
    }

    int integer(String key, int fallback, int min, int max) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return fallback;
        }
        long n;
        if (v instanceof Number num && !(v instanceof Double || v instanceof Float)) {
            n = num.longValue();
        } else {
            try {
                n = Long.parseLong(v.toString().trim());
            } catch (NumberFormatException e) {
                throw error(key, "not a whole number ('" + v + "')");
            }
        }
        if (n < min || n > max) {
            throw error(key, "out of range " + min + ".." + max + " (" + n + ")");
        }
        return (int) n;
    }

    boolean bool(String key, boolean fallback) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw error(key, "expected true or false ('" + v + "')");
    }

    Path path(String key, Path fallback) throws ConfigException {
        String s = string(key, null);
        if (s == null) {
            return fallback;
        }
        Path p = Path.of(s);
        if (!p.isAbsolute()) {
            throw error(key, "expected an absolute path ('" + s + "')");
        }
        return p;
    }

    <E extends Enum<E>> E choice(String key, E fallback, Class<E> type) throws ConfigException {
        String s = string(key, null);
        if (s == null) {
            return fallback;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase());
        }
        throw error(key, "'" + s + "' is not one of " + String.join(", ", names));
    }

    /** A list of single values; a lone value counts as a list of one. Null when absent. */
    List<String> strings(String key) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        List<?> items = v instanceof List<?> l ? l : List.of(v);
        List<String> out = new ArrayList<>();
        for (Object item : items) {
            if (item == null || item instanceof Map || item instanceof List || item.toString().isBlank()) {
                throw error(key, "expected a list of single values");
            }
            out.add(item.toString().trim());
        }
        return out;
    }

    /** A mapping of names to single values (PostgreSQL parameters), in file order; empty when absent. */
    Map<String, String> scalars(String key) throws ConfigException {
        Object v = raw(key);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw error(key, "expected a mapping of names to values");
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object value = e.getValue();
            if (value == null || value instanceof Map || value instanceof List) {
                throw error(key + "." + e.getKey(), "expected a single value");
            }
            out.put(String.valueOf(e.getKey()), value.toString());
        }
        return out;
    }

    YamlSection section(String key) throws ConfigException {
        Object v = raw(key);
        if (v != null && !(v instanceof Map)) {
            throw error(key, "expected a mapping of keys");
        }
        return new YamlSection(file, name(key), (Map<?, ?>) v);
    }

    /** Fails on the first key of this mapping that no reader asked for. */
    void finish() throws ConfigException {
        for (Object k : values.keySet()) {
            if (!read.contains(String.valueOf(k))) {
                throw error(String.valueOf(k), "unknown key");
            }
        }
    }
}
