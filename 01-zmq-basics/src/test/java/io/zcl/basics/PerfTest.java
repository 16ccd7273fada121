package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.perf.Lat;
import io.zcl.basics.perf.LocalThr;
import io.zcl.basics.perf.RemoteLat;
import io.zcl.basics.perf.Thr;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

class PerfTest {

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "inproc"})
    @Timeout(30)
    void throughputAllInOneGivesSaneNumbers(String transport) throws Exception {
        LocalThr.Result result = Thr.run(transport, 64, 20_000, 1_000);

        assertThat(result.count()).isEqualTo(20_000);
        assertThat(result.elapsedNanos()).isPositive();
        assertThat(result.messagesPerSecond()).isPositive();
        assertThat(result.megabitsPerSecond()).isCloseTo(result.messagesPerSecond() * 64 * 8 / 1e6,
                org.assertj.core.data.Offset.offset(1e-6));
        assertThat(printed(result::print)).startsWith("message size: 64 [B]")
                .contains("message count: 20000").contains(" [msg/s]").contains(" [Mb/s]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "inproc"})
    @Timeout(30)
    void latencyAllInOneGivesSanePercentiles(String transport) throws Exception {
        RemoteLat.Result result = Lat.run(transport, 64, 500, 100);

        assertThat(result.roundTripNanos().getTotalCount()).isEqualTo(500);
        assertThat(result.averageLatencyMicros()).isPositive();
        assertThat(result.percentileMicros(50)).isPositive()
                .isLessThanOrEqualTo(result.percentileMicros(99))
                .isLessThanOrEqualTo(result.roundTripNanos().getMaxValue() / 1000.0);
        assertThat(printed(result::print)).contains("roundtrip count: 500").contains("average latency: ")
                .contains("p99.9");
    }

    private static String printed(java.util.function.Consumer<PrintStream> print) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        print.accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
