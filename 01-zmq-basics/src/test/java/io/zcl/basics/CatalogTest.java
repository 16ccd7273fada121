package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CatalogTest {

    private static List<String[]> catalog() throws IOException {
        try (InputStream in = CatalogTest.class.getClassLoader().getResourceAsStream("META-INF/zcl/examples.tsv")) {
            assertThat(in).as("examples.tsv on the classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .map(line -> line.split("\t"))
                    .toList();
        }
    }

    @Test
    void listsEveryExampleInLearningOrder() throws IOException {
        List<String[]> lines = catalog();

        assertThat(lines).allSatisfy(fields -> {
            assertThat(fields).as(String.join("|", fields)).hasSize(5);
            assertThat(fields[0]).isEqualTo("01-zmq-basics");
        });
        assertThat(lines.stream().map(f -> f[1]).toList()).containsExactly(
                "req-rep", "push-pull", "pub-sub", "router-dealer",
                "slow-joiner", "high-water-mark", "envelopes", "linger", "lazy-pirate", "serialization",
                "local-thr", "remote-thr", "local-lat", "remote-lat", "thr", "lat");
    }

    @Test
    @Timeout(30)
    void everyMainExistsAndPrintsItsUsageOnHelp() throws Exception {
        PrintStream original = System.out;
        for (String[] fields : catalog()) {
            Method main = Class.forName(fields[3]).getMethod("main", String[].class);
            assertThat(Modifier.isStatic(main.getModifiers())).as(fields[3]).isTrue();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                main.invoke(null, (Object) new String[] {"--help"});
            } finally {
                System.setOut(original);
            }
            String usage = out.toString(StandardCharsets.UTF_8);
            assertThat(usage).as(fields[1]).startsWith("usage: " + fields[1]);
            if (!fields[2].equals("-")) {
                assertThat(Arrays.stream(fields[2].split(","))).as(fields[1] + " usage names every role")
                        .allSatisfy(role -> assertThat(usage).contains(role));
            }
        }
    }
}
