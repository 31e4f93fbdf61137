package dev.pgvault.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;

/**
 * The build runs this to write bash completion for every command (zsh reads it too, through
 * bashcompinit), from the same command model the launcher parses with. Not a user command.
 */
public final class CompletionScript {
    private CompletionScript() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: CompletionScript OUTPUT-FILE");
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, AutoComplete.bash("pgvault", PgvaultCommand.model(new PgvaultCommand(), null)));
    }
}
