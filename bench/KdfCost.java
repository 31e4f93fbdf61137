import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * What one master-key derivation costs a fresh JVM (as every synchronous archive-push pays it):
 * PBKDF2-HMAC-SHA256 through the JDK, as CipherKey calls it, timed from loading the provider to
 * the key. Run by bench/kdf-cost.sh, one JVM per measurement.
 */
public final class KdfCost {
    public static void main(String[] args) throws Exception {
        int iterations = Integer.parseInt(args[0]);
        long t0 = System.nanoTime();
        PBEKeySpec spec = new PBEKeySpec("a passphrase of forty-eight random base64 chars".toCharArray(), new byte[16], iterations, 256);
        SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        System.out.printf("%.1f%n", (System.nanoTime() - t0) / 1e6);
    }
}
