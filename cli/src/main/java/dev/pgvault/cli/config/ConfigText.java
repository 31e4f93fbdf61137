package dev.pgvault.cli.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A configuration file's text: UTF-8, a leading byte-order mark dropped (editors on Windows write
 * one, and YAML allows it). A byte that is not UTF-8 (a Latin-1 'é', say) is named with its line,
 * instead of the decoder's "Input length = 1".
 */
final class ConfigText {
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private ConfigText() {}

    static String read(Path file) throws IOException, ConfigException {
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = utf8.decode(in, out, true);
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new ConfigException(String.format("configuration file %s is not UTF-8: byte 0x%02X at line %d;"
                    + " save it as UTF-8", file, bytes[at] & 0xff, line));
        }
        utf8.flush(out);
        String text = out.flip().toString();
        return !text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK ? text.substring(1) : text;
    }
}
