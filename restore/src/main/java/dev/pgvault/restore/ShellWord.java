package dev.pgvault.restore;

import java.util.regex.Pattern;

/** One /bin/sh word: as it is when it holds nothing the shell treats specially, else single-quoted. */
public final class ShellWord {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:@+=,-]+");

    private ShellWord() {}

    public static String quote(String s) {
        return SAFE.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
