package dev.pgvault.ha.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Certificates and unencrypted PKCS#8 private keys read from PEM files, as openssl writes them. */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

    private PemFiles() {}

    /** The certificates of {@code file}, the server's own first. */
    static List<X509Certificate> certificates(String key, Path file) throws TlsSetupException {
        byte[] pem = read(key, file);
        try {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)).stream()
                    .map(X509Certificate.class::cast).toList();
            if (chain.isEmpty()) {
                throw new TlsSetupException(key + " " + file + " holds no certificate");
            }
            return chain;
        } catch (CertificateException e) {
            throw new TlsSetupException(key + " " + file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /**
     * The private key of {@code file}. Refused when others than its owner may read it, as
     * PostgreSQL refuses its own ssl_key_file, and when it is encrypted (the agent has nobody to
     * ask for a passphrase) or in the older RSA or EC formats, with the command that converts it.
     */
    static PrivateKey privateKey(String key, Path file) throws TlsSetupException {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new TlsSetupException(key + " " + file + " may be read by others than its owner: chmod 600 it");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system, or unreadable: read() below says which
        }
        String text = new String(read(key, file), java.nio.charset.StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        if (!m.find()) {
            throw new TlsSetupException(key + " " + file + " holds no PEM private key");
        }
        String type = m.group(1);
        if (type.equals("ENCRYPTED PRIVATE KEY")) {
            throw new TlsSetupException(key + " " + file + " is encrypted; the agent cannot ask for a passphrase:"
                    + " decrypt it (openssl pkey -in KEY -out KEY.plain) and keep it readable by its owner only");
        }
        if (!type.equals("PRIVATE KEY")) {
            throw new TlsSetupException(key + " " + file + " holds a " + type + "; convert it to PKCS#8:"
                    + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw new TlsSetupException(key + " " + file + " is not valid PEM: " + e.getMessage(), e);
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // another algorithm, perhaps
            }
        }
        throw new TlsSetupException(key + " " + file + " holds a private key of no supported algorithm (RSA, EC, Ed25519)");
    }

    /** A key that does not sign what the certificate's public key verifies is another certificate's key. */
    static void requireKeyOf(X509Certificate cert, String certKey, Path certFile, PrivateKey key, String keyKey,
            Path keyFile) throws TlsSetupException {
        byte[] probe = "pgvault".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        boolean matches;
        try {
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new TlsSetupException(keyKey + " " + keyFile + " is not the key of the certificate in " + certKey
                    + " " + certFile);
        }
    }

    private static byte[] read(String key, Path file) throws TlsSetupException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsSetupException("cannot read " + key + " " + file + ": " + e.getMessage(), e);
        }
    }
}
