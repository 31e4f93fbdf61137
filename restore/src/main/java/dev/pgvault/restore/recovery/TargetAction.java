package dev.pgvault.restore.recovery;

import java.util.Locale;

/** PostgreSQL's recovery_target_action: what the server does once it reaches the target. */
public enum TargetAction {
    PAUSE, PROMOTE, SHUTDOWN;

    /** PostgreSQL's default. */
    public static final TargetAction DEFAULT = PAUSE;

    public static TargetAction parse(String text) {
        for (TargetAction a : values()) {
            if (a.setting().equals(text.strip().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new InvalidTargetException("--target-action must be pause, promote or shutdown, not '" + text + "'");
    }

    public String setting() {
        return name().toLowerCase(Locale.ROOT);
    }
}
