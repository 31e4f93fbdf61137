package dev.pgvault.cli;

/** pgvault's version, from the jar manifest written by the build. */
public final class Version {
    private Version() {}

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "development build";
    }
}
