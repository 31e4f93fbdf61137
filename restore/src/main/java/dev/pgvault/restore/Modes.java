package dev.pgvault.restore;

import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/** Manifest modes (0600, 0700) as Java's permission sets. */
final class Modes {
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    static final int OWNER_ONLY_FILE = 0600;
    static final int OWNER_ONLY_DIR = 0700;

    private Modes() {}

    /**
     * A directory mode PostgreSQL accepts for its own directories: 0700, or 0750 for clusters
     * with group access. Anything else (0, a link's 0777) becomes 0700.
     */
    static int pgDirectory(int mode) {
        return (mode & 0777) == 0750 ? 0750 : OWNER_ONLY_DIR;
    }

    static Set<PosixFilePermission> of(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(BITS[i]);
            }
        }
        return set;
    }

    static FileAttribute<Set<PosixFilePermission>> attribute(int mode) {
        return PosixFilePermissions.asFileAttribute(of(mode));
    }
}
