package dev.pgvault.cli;

import dev.pgvault.archiver.RepositoryLayout;
import dev.pgvault.archiver.verify.Problem;
import dev.pgvault.archiver.verify.Verifier;
import dev.pgvault.archiver.verify.VerifyReport;
import dev.pgvault.archiver.verify.VerifyReportJson;
import dev.pgvault.cli.config.PgvaultConfig;
import dev.pgvault.storage.codec.EncodedStore;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "verify",
        description = {"Re-read every backup object and every archived WAL file of the stanza and check them",
                "against the manifests (size, SHA-256, each file's checksum), and check that the WAL",
                "each backup needs is archived without gaps. Prints one line per problem, then a",
                "summary. Exit 0 when everything checks out (warnings allowed), 6 when anything is wrong."})
final class VerifyCommand implements Callable<Integer> {

    @ParentCommand
    PgvaultCommand top;

    @Mixin
    OutputFormat format;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws Exception {
        boolean json = format.json();
        PgvaultConfig config = top.loadConfig();
        VerifyReport report;
        try (EncodedStore repo = Repositories.openEncoded(config.repo());
                ProgressOption.AutoCloseableProgress line = progress.open("verify", "objects", System.err, top.verbose)) {
            report = new Verifier(repo, new RepositoryLayout(config.stanza()), config.processMax(), line.progress()).run();
        }
        PrintStream out = System.out;
        if (json) {
            out.write(VerifyReportJson.write(report));
            out.println();
        } else {
            for (Problem p : report.problems()) {
                out.println(p.line());
            }
            out.println(summary(report));
        }
        out.flush();
        return report.ok() ? ExitCode.OK.code : ExitCode.CORRUPT.code;
    }

    static String summary(VerifyReport r) {
        return "verified stanza '" + r.stanza() + "': " + count(r.backups(), "backup") + ", "
                + count(r.objects(), "object") + ", " + count(r.walFiles(), "WAL file") + ", "
                + bytes(r.bytesRead()) + " read: " + count(r.errors(), "error") + ", " + count(r.warnings(), "warning")
                + (r.infos() == 0 ? "" : ", " + count(r.infos(), "note"));
    }

    private static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
