package io.zcl.runner.zmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zcl.runner.api.Command;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecTest {

    private static Body run(long timeoutMs) throws ProtocolException {
        return Body.decode(Body.of(Map.of(Field.CMD_ID, "c-1", Field.ARGV, List.of("true"), Field.ENV, Map.of(),
                Field.TIMEOUT_MS, timeoutMs, Field.STREAM, false)).encode());
    }

    /**
     * Issue 15 item 6: from about 9.22e12 ms a timeout's nanoseconds overflow a long, which left a
     * started process unsupervised. The codec takes 1 ms .. 7 days and refuses anything else with
     * BAD_BODY naming the field and the range.
     */
    @Test
    void aRunTimeoutOutside1msTo7DaysIsBadBodyNamingTheFieldAndTheRange() throws Exception {
        assertThat(Protocol.MAX_TIMEOUT_MS).isEqualTo(604_800_000L);
        assertThat(Codec.command(run(1)).timeout()).isEqualTo(Duration.ofMillis(1));
        assertThat(Codec.command(run(604_800_000L)).timeout()).isEqualTo(Duration.ofDays(7));
        for (long bad : new long[] {0, -1, 604_800_001L, 9_300_000_000_000L, Long.MAX_VALUE}) {
            assertThatThrownBy(() -> Codec.command(run(bad))).as("timeout_ms %d", bad)
                    .isInstanceOfSatisfying(ProtocolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.BAD_BODY);
                        assertThat(e.getMessage()).isEqualTo("timeout_ms must be 1..604800000 (7 days), got " + bad);
                    });
        }
    }

    @Test
    void aCommandWithTheDefaultTimeoutRoundTrips() throws Exception {
        Command c = new Command("c-2", List.of("true"), Map.of(), null, Command.DEFAULT_TIMEOUT);
        Body body = Body.decode(Codec.run(c, false).body().encode());
        assertThat(Codec.command(body)).isEqualTo(c);
    }
}
