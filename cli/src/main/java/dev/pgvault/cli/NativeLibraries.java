package dev.pgvault.cli;

import java.io.File;

/**
 * Points zstd-jni at the native library the build unpacked next to the jars (lib/native/...),
 * so it does not copy the library out of its jar into a temporary file on every start.
 */
final class NativeLibraries {
    private static final String ZSTD_PATH_PROPERTY = "ZstdNativePath";

    private NativeLibraries() {}

    static void preferUnpacked() {
        if (System.getProperty(ZSTD_PATH_PROPERTY) != null) {
            return;
        }
        // The launcher says where the jars are: asking the class loader costs ~10 ms at start-up.
        String lib = System.getProperty("pgvault.lib");
        if (lib == null || !System.getProperty("os.name").toLowerCase().startsWith("linux")) {
            return;
        }
        File dir = new File(lib, "native/linux/" + System.getProperty("os.arch"));
        File[] libs = dir.listFiles((d, name) -> name.startsWith("libzstd-jni") && name.endsWith(".so"));
        if (libs != null && libs.length == 1 && libs[0].canRead()) {
            System.setProperty(ZSTD_PATH_PROPERTY, libs[0].getAbsolutePath());
        }
    }
}
