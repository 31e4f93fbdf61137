package dev.pgvault.cli;

import picocli.CommandLine.Option;

/** The {@code --output text|json} option of the commands that print for both people and scripts. */
final class OutputFormat {

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (for people, the default) or json (for scripts).")
    String output;

    /** Whether JSON was asked for; a usage error naming the value when it is neither. */
    boolean json() {
        return switch (output) {
            case "text" -> false;
            case "json" -> true;
            default -> throw new UserError(ExitCode.USAGE, "--output must be text or json, not '" + output + "'");
        };
    }
}
