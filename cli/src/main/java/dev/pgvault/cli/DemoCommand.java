package dev.pgvault.cli;

import dev.pgvault.cli.demo.Demo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo",
        description = {"Show what pgvault does, on a throwaway cluster: archive, back up, make a mistake,",
                "restore to the moment before it. Needs only PostgreSQL's server binaries; no config."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--pg-bin", paramLabel = "DIR",
            description = "PostgreSQL's bin directory (default: the newest /usr/lib/postgresql/*/bin, else PATH).")
    Path pgBin;

    @Option(names = "--keep", description = "Keep the demo's directory (clusters stopped) for a look around.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        Path bin = pgBin != null ? pgBin : findPgBin();
        if (!Files.isExecutable(bin.resolve("initdb"))) {
            throw new UserError(ExitCode.USAGE, "no initdb in " + bin + ": install PostgreSQL's server package"
                    + " (apt-get install -y postgresql-15) or pass --pg-bin DIR");
        }
        String lib = System.getProperty("pgvault.lib");
        new Demo(System.out, bin, Launcher.path(), Path.of(lib)).run(keep);
        return ExitCode.OK.code;
    }

    private static Path findPgBin() throws IOException {
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparingInt(DemoCommand::major));
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "initdb"))) {
                return Path.of(dir);
            }
        }
        return Path.of("/usr/lib/postgresql/15/bin");
    }

    private static int major(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
