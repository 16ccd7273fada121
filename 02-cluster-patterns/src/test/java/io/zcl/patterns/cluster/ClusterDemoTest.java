package io.zcl.patterns.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The one-process demo, as `./zcl example cluster` runs it, judged by its own summary line. */
class ClusterDemoTest {

    private static final Pattern SUMMARY = Pattern.compile(
            "SUMMARY tasks=(\\d+) done=(\\d+) lost=(\\d+) duplicates=(\\d+) dead_detected_ms=(-?\\d+)");

    @Test
    void theDemoLosesNothingCountsNothingTwiceAndDetectsBothFailuresInTime() throws Exception {
        Cluster.DemoOptions options = Cluster.DemoOptions.defaults();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long started = System.nanoTime();

        Cluster.Summary summary;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            summary = Cluster.runDemo(options, out);
        }

        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        List<String> summaryLines = bytes.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("SUMMARY")).toList();
        assertThat(summaryLines).hasSize(1);
        Matcher m = SUMMARY.matcher(summaryLines.get(0));
        assertThat(m.matches()).as(summaryLines.get(0)).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isEqualTo(options.tasks());
        assertThat(Integer.parseInt(m.group(2))).isEqualTo(options.tasks());
        assertThat(m.group(3)).isEqualTo("0");
        assertThat(m.group(4)).isEqualTo("0");
        long detected = Long.parseLong(m.group(5));
        assertThat(detected).isBetween(0L, options.heartbeatMs() * options.liveness() + 500);
        assertThat(summary.line()).isEqualTo(summaryLines.get(0));
        assertThat(elapsedMs).isLessThan(30_000);
    }
}
