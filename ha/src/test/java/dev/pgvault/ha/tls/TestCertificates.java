package dev.pgvault.ha.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/** Self-signed certificates made by openssl, as an operator would make them, for the TLS tests. */
public final class TestCertificates {
    private TestCertificates() {}

    /** A certificate for 127.0.0.1 and its key ({@code name}.crt, {@code name}.key, mode 600) in {@code dir}. */
    public static ApiTls make(Path dir, String name) throws IOException, InterruptedException {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-subj", "/CN=" + name, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        return new ApiTls(cert, key);
    }

    public static void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }
}
