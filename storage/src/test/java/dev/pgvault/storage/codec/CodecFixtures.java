package dev.pgvault.storage.codec;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** Inputs, keys and one-call encode/decode for the codec tests. */
final class CodecFixtures {
    static final String PASSPHRASE_TEXT = "Sekr1t-Passphrase-Never-Print-Me";
    static final byte[] PASSPHRASE = PASSPHRASE_TEXT.getBytes(UTF_8);
    static final CipherKey KEY = CipherKey.fromPassphrase(PASSPHRASE);
    static final CipherKey OTHER_KEY = CipherKey.fromPassphrase("another passphrase".getBytes(UTF_8));

    private CodecFixtures() {}

    record Encoded(byte[] stored, ObjectDigest digest) {}

    /** Every compression, each without and with encryption. */
    static List<CodecSpec> allSpecs() {
        List<CodecSpec> specs = new ArrayList<>();
        for (Compression c : Compression.values()) {
            specs.add(CodecSpec.of(c));
            specs.add(CodecSpec.of(c).withKey(KEY));
        }
        return specs;
    }

    static String describe(CodecSpec spec) {
        return spec.compression() + (spec.key().isPresent() ? "+aes" : "");
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Text-like bytes that compress about 3:1, a rough stand-in for WAL and table files. */
    static byte[] compressible(int size, long seed) {
        Random r = new Random(seed);
        StringBuilder pool = new StringBuilder();
        while (pool.length() < 256 * 1024) {
            pool.append("checkpoint record at 0/").append(Integer.toHexString(r.nextInt())).append("; insert into orders values (")
                    .append(r.nextInt(100000)).append(", 'customer-").append(r.nextInt(5000)).append("', ")
                    .append(r.nextInt(1000)).append('.').append(r.nextInt(100)).append(")\n");
        }
        byte[] text = pool.toString().getBytes(UTF_8);
        byte[] out = new byte[size];
        int pos = 0;
        while (pos < size) {
            int run = Math.min(size - pos, 64 + r.nextInt(448));
            System.arraycopy(text, r.nextInt(text.length - run), out, pos, run);
            pos += run;
            int noise = Math.min(size - pos, r.nextInt(160));
            for (int i = 0; i < noise; i++) {
                out[pos++] = (byte) r.nextInt();
            }
        }
        return out;
    }

    static Encoded encode(CodecSpec spec, byte[] plain) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream(plain.length / 2 + 128);
        EncodingStream out = new ObjectEncoder(spec).open(sink);
        try (out) {
            out.write(plain);
        }
        return new Encoded(sink.toByteArray(), out.result());
    }

    static byte[] decode(byte[] stored, Optional<CipherKey> key) throws IOException {
        try (InputStream in = new ObjectDecoder().open(new ByteArrayInputStream(stored), key)) {
            return in.readAllBytes();
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** The message of {@code t} and of every cause and suppressed exception. */
    static String allMessages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        collect(t, sb, 0);
        return sb.toString();
    }

    private static void collect(Throwable t, StringBuilder sb, int depth) {
        if (t == null || depth > 10) {
            return;
        }
        sb.append(t).append('\n');
        for (Throwable s : t.getSuppressed()) {
            collect(s, sb, depth + 1);
        }
        collect(t.getCause(), sb, depth + 1);
    }
}
