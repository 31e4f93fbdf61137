package dev.pgvault.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;

/**
 * The OS user PostgreSQL runs as in the tests. PostgreSQL refuses to run as root, and CI runs as
 * root: then it is the {@code postgres} user, and every command that touches the cluster or the
 * repository runs as that user, as PostgreSQL's archive_command does. Otherwise it is ourselves.
 */
record OsUser(String name, boolean switchUser) {

    static OsUser forPostgres() {
        String me = System.getProperty("user.name");
        return me.equals("root") ? new OsUser("postgres", true) : new OsUser(me, false);
    }

    List<String> wrap(List<String> command) {
        if (!switchUser) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", name, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Gives {@code path} (and, for a directory, nothing below it) to this user. */
    void own(Path path) throws IOException {
        if (switchUser) {
            UserPrincipal owner = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
            Files.setOwner(path, owner);
        }
    }

    /** A new directory under /tmp that this user owns, mode 0700. */
    Path newDirectory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), prefix,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        own(dir);
        return dir;
    }
}
