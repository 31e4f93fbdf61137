package dev.pgvault.ha.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator's certificate and key files may be, and the one-line refusals of what they may not. */
class ApiTlsTest {
    @TempDir
    Path dir;

    @Test
    void aCertificateWithItsOwnKeyMakesBothContexts() throws Exception {
        ApiTls tls = TestCertificates.make(dir, "node1");
        assertNotNull(tls.serverContext());
        assertNotNull(tls.pinnedClientContext());
    }

    @Test
    void anotherCertificatesKeyIsRefusedNamingBothFiles() throws Exception {
        ApiTls one = TestCertificates.make(dir, "one");
        ApiTls two = TestCertificates.make(dir, "two");
        TlsSetupException e = assertThrows(TlsSetupException.class, () -> new ApiTls(one.certFile(), two.keyFile()).serverContext());
        assertEquals("ha.api-key-file " + two.keyFile() + " is not the key of the certificate in ha.api-cert-file "
                + one.certFile(), e.getMessage());
    }

    @Test
    void aKeyOthersMayReadIsRefusedAsPostgresRefusesItsOwn() throws Exception {
        ApiTls tls = TestCertificates.make(dir, "node1");
        Files.setPosixFilePermissions(tls.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
        TlsSetupException e = assertThrows(TlsSetupException.class, tls::serverContext);
        assertEquals("ha.api-key-file " + tls.keyFile() + " may be read by others than its owner: chmod 600 it",
                e.getMessage());
    }

    @Test
    void anOldFormatOrEncryptedKeyIsRefusedWithTheCommandThatConvertsIt() throws Exception {
        ApiTls tls = TestCertificates.make(dir, "node1");
        Path traditional = dir.resolve("rsa.key");
        TestCertificates.openssl("pkey", "-in", tls.keyFile().toString(), "-traditional", "-out", traditional.toString());
        Files.setPosixFilePermissions(traditional, PosixFilePermissions.fromString("rw-------"));
        TlsSetupException old = assertThrows(TlsSetupException.class,
                () -> new ApiTls(tls.certFile(), traditional).serverContext());
        assertEquals("ha.api-key-file " + traditional + " holds a RSA PRIVATE KEY; convert it to PKCS#8:"
                + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8", old.getMessage());

        Path encrypted = dir.resolve("encrypted.key");
        TestCertificates.openssl("pkcs8", "-topk8", "-in", tls.keyFile().toString(), "-out", encrypted.toString(),
                "-passout", "pass:secret-passphrase");
        Files.setPosixFilePermissions(encrypted, PosixFilePermissions.fromString("rw-------"));
        TlsSetupException locked = assertThrows(TlsSetupException.class,
                () -> new ApiTls(tls.certFile(), encrypted).serverContext());
        assertEquals(true, locked.getMessage().startsWith("ha.api-key-file " + encrypted + " is encrypted"), locked.getMessage());
    }

    @Test
    void aMissingOrWrongCertificateFileIsNamed() throws Exception {
        ApiTls tls = TestCertificates.make(dir, "node1");
        Path missing = dir.resolve("missing.crt");
        TlsSetupException gone = assertThrows(TlsSetupException.class, () -> new ApiTls(missing, tls.keyFile()).serverContext());
        assertEquals(true, gone.getMessage().startsWith("cannot read ha.api-cert-file " + missing), gone.getMessage());
        TlsSetupException swapped = assertThrows(TlsSetupException.class,
                () -> new ApiTls(tls.keyFile(), tls.keyFile()).serverContext());
        assertEquals(true, swapped.getMessage().startsWith("ha.api-cert-file " + tls.keyFile()), swapped.getMessage());
    }
}
