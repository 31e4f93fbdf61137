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

    /** A certificate authority ({@code name}.crt, {@code name}.key) that signs with {@link #signed}. */
    public static ApiTls authority(Path dir, String name) throws IOException, InterruptedException {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-subj", "/CN=" + name);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        return new ApiTls(cert, key);
    }

    /**
     * A certificate for 127.0.0.1 signed by {@code ca}, for a server and a client alike (etcd's
     * members present theirs to each other both ways), and its key (mode 600).
     */
    public static ApiTls signed(Path dir, String name, ApiTls ca) throws IOException, InterruptedException {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        Path request = dir.resolve(name + ".csr");
        Path extensions = dir.resolve(name + ".ext");
        Files.writeString(extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                + "extendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n");
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", request.toString(),
                "-subj", "/CN=" + name);
        openssl("x509", "-req", "-in", request.toString(), "-CA", ca.certFile().toString(), "-CAkey",
                ca.keyFile().toString(), "-set_serial", Long.toString(System.nanoTime()), "-out", cert.toString(),
                "-days", "2", "-extfile", extensions.toString());
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
