package dev.pgvault.archiver.verify;

import java.util.List;

/** What one job of verify read and found; summed into the {@link VerifyReport}. */
record CheckResult(long objects, long walFiles, long bytesRead, List<Problem> problems) {

    CheckResult {
        problems = List.copyOf(problems);
    }

    static CheckResult of(List<Problem> problems) {
        return new CheckResult(0, 0, 0, problems);
    }
}
