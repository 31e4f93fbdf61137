package dev.pgvault.cli;

import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * The wall clock of the commands that stamp or judge times: backup ids and retention. Only for
 * tests and simulations (a month of nightly backups in minutes), {@code
 * -Dpgvault.clock-offset=P30D} (in PGVAULT_JAVA_OPTS) shifts it by an ISO-8601 duration; it is not
 * a setting users need.
 */
final class CommandClock {
    static final String OFFSET_PROPERTY = "pgvault.clock-offset";

    private CommandClock() {}

    static Clock get() {
        String offset = System.getProperty(OFFSET_PROPERTY);
        if (offset == null || offset.isBlank()) {
            return Clock.systemUTC();
        }
        try {
            return Clock.offset(Clock.systemUTC(), Duration.parse(offset.strip()));
        } catch (DateTimeParseException e) {
            throw new UserError(ExitCode.USAGE, OFFSET_PROPERTY + " must be an ISO-8601 duration such as P30D, not '"
                    + offset + "'");
        }
    }
}
