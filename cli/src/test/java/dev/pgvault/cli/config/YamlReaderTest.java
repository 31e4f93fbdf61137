package dev.pgvault.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** YamlReader reads what it accepts exactly as a full YAML parser (SnakeYAML) does. */
class YamlReaderTest {

    private static final List<String> DOCUMENTS = List.of(
            """
            stanza: main                       # the cluster's name in the repository
            pg:
              data: /var/lib/postgresql/15/main
              host: 127.0.0.1
              port: 5432
              bin: /usr/lib/postgresql/15/bin
            repo:
              type: s3
              s3:
                endpoint: https://s3.us-east-1.amazonaws.com
                path-style: false
                access-key: AKIA...
                secret-key: "se#cret: 'x' \\" y"
              compress-level: 3
            process-max: 2
            """,
            """
            ---
            # comment only line
            ha:
              etcd: [http://127.0.0.1:2379, 'http://127.0.0.2:2379']
              replica-method:
                - repository
                - basebackup
              api: 127.0.0.1:8008
              ttl: -10
            pg:
              parameters: {max_connections: 100, shared_buffers: 128MB, wal_log_hints: 'on'}
            empty:
            quoted: 'it''s # not a comment'
            url: http://example.com/a#frag
            list-at-key-indent:
            - a
            - "b c"
            nulls: [~, null]
            bools: [true, false, True]
            """,
            "just: one\n",
            "key: 'value with: colon inside'   \n");

    @Test
    void agreesWithSnakeYaml() throws Exception {
        for (String doc : DOCUMENTS) {
            Object expected = normalize(new Yaml(new SafeConstructor(new LoaderOptions())).load(doc));
            assertEquals(expected, normalize(YamlReader.parse(doc)), doc);
        }
    }

    private static Object normalize(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), normalize(v)));
            return out;
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(normalize(v)));
            return out;
        }
        if (o instanceof Number n) {
            return n.toString(); // YamlReader keeps numbers as text
        }
        return o;
    }

    private static int errorLine(String doc, String fragment) {
        YamlReader.YamlException e = assertThrows(YamlReader.YamlException.class, () -> YamlReader.parse(doc), doc);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        return e.line;
    }

    @Test
    void refusesWhatItDoesNotSupportWithTheLine() {
        assertEquals(2, errorLine("a: 1\n\tb: 2\n", "tab"));
        assertEquals(1, errorLine("a: &anchor 1\n", "unsupported"));
        assertEquals(2, errorLine("a: 1\nb: |\n  text\n", "unsupported"));
        assertEquals(2, errorLine("a: 1\na: 2\n", "duplicate key 'a'"));
        assertEquals(1, errorLine("a: \"open\n", "unclosed quote"));
        assertEquals(1, errorLine("a: [1, 2\n", "unclosed '['"));
        assertEquals(3, errorLine("a:\n  b: 1\n c: 2\n", "unexpected indentation"));
        assertEquals(2, errorLine("a:\n  - x: 1\n", "mappings inside sequences"));
        assertEquals(1, errorLine("a: \"\\q\"\n", "unsupported escape"));
        assertEquals(2, errorLine("a: 1\nkey: value with: colon\n", "put the value in quotes"));
    }

    @Test
    void onAndOffStayTextAsInYaml12() throws Exception {
        // YAML 1.1 (SnakeYAML) reads on/off/yes/no as booleans; PostgreSQL parameters want the text.
        assertEquals(Map.of("wal_log_hints", "on", "x", "no"), YamlReader.parse("wal_log_hints: on\nx: no\n"));
    }

    @Test
    void digitsStayText() throws Exception {
        assertEquals(Map.of("stanza", "007", "secret-key", "0123"), YamlReader.parse("stanza: 007\nsecret-key: 0123\n"));
    }

    @Test
    void duplicateKeysInAFlowMappingAreRefused() {
        assertEquals(1, errorLine("p: {path: x, path: y}\n", "duplicate key 'path'"));
    }

    @Test
    void emptyDocumentIsNull() throws Exception {
        assertEquals(null, YamlReader.parse("# nothing\n\n"));
    }
}
