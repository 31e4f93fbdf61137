package dev.pgvault.cli;

import dev.pgvault.restore.TablespaceRemap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where a restored copy's tablespaces go: restore's and replica create's options. */
final class TablespaceMapOptions {
    @Option(names = "--tablespace-map", paramLabel = "OID=DIR", description = {"Restore the tablespace with this OID (or"
            + " this old location: /old/dir=DIR) into DIR", "instead of where it was; repeat for each. DIR must be missing"
            + " or empty", "(with --delta, it may be the one the link already points to)."})
    List<String> moves = new ArrayList<>();

    @Option(names = "--tablespace-map-all", paramLabel = "DIR",
            description = "Restore every tablespace not named by --tablespace-map into DIR/<OID>.")
    Path all;

    /** The remap asked for; a malformed one is a usage error (exit 2). */
    TablespaceRemap remap() {
        try {
            return TablespaceRemap.parse(moves, all);
        } catch (IllegalArgumentException e) { // InvalidPathException too
            throw new UserError(ExitCode.USAGE, e.getMessage());
        }
    }
}
