package dev.pgvault.storage;

/** The rules for blob keys, shared by every driver so a key valid on disk is valid on S3. */
public final class BlobKeys {
    private BlobKeys() {}

    /**
     * Returns {@code key} if it is a relative path of non-empty segments separated by single
     * {@code /}, without "." or ".." segments, control characters or backslashes; else throws
     * {@link IllegalArgumentException} naming the key.
     */
    public static String check(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty object key");
        }
        checkPrefix(key);
        if (key.endsWith("/")) {
            throw new IllegalArgumentException("object key ends with '/': '" + key + "'");
        }
        return key;
    }

    /** A listing prefix: like a key, but may be empty and may end with {@code /}. */
    public static String checkPrefix(String prefix) {
        if (prefix.isEmpty()) {
            return prefix;
        }
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("object key starts with '/': '" + prefix + "'");
        }
        String[] segments = prefix.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if ((s.isEmpty() && !last) || s.equals(".") || s.equals("..")) {
                throw new IllegalArgumentException("bad segment '" + s + "' in object key '" + prefix + "'");
            }
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException("bad character in object key '" + prefix.replaceAll("\\p{Cntrl}", "?") + "'");
            }
        }
        return prefix;
    }
}
