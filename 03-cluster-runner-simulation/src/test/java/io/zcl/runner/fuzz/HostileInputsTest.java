package io.zcl.runner.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.runner.zmq.Body;
import io.zcl.runner.zmq.Protocol;
import io.zcl.runner.zmq.Protocol.Cmd;
import io.zcl.runner.zmq.Protocol.ErrorCode;
import io.zcl.runner.zmq.Protocol.Field;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostileInputsTest {

    /**
     * Issue 15 item 6: the fuzzers send RUNs whose timeout_ms is out of range (zero, negative, just
     * over 7 days, so large its nanoseconds overflow) and expect BAD_BODY for each, with a session.
     */
    @Test
    void theAgentFuzzSendsRunsWithATimeoutOutOfRangeAndExpectsBadBody() throws Exception {
        HostileInputs inputs = new HostileInputs(HostileInputs.Target.AGENT, HostileInputTest.SEED);
        List<Long> timeouts = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            HostileInputs.Input in = inputs.next();
            if (in.category().equals("timeout-out-of-range")) {
                assertThat(in.cmd()).isEqualTo(Cmd.RUN);
                assertThat(in.expect(HostileInputs.Target.AGENT, true)).isEqualTo(HostileInputs.Expect.error(ErrorCode.BAD_BODY));
                timeouts.add(Body.decode(in.frames().get(2)).integer(Field.TIMEOUT_MS));
            }
        }
        assertThat(timeouts).hasSizeGreaterThan(20).allMatch(t -> t <= 0 || t > Protocol.MAX_TIMEOUT_MS)
                .contains(9_300_000_000_000L, Long.MAX_VALUE);
    }
}
