package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.traps.LazyPirate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LazyPirateTest {

    @Test
    @Timeout(30)
    void naiveClientGetsStuckLazyPirateRecoversAndGivesUpOnADeadServer() throws Exception {
        LazyPirate.Result result = LazyPirate.run(5, 300, 3, line -> { });

        // RFC 28, REQ: "SHALL send and then receive exactly one message at a time." After a lost
        // reply the only legal next step is a receive, so the naive client's next send fails.
        assertThat(result.naiveError()).isEqualTo("EFSM");
        assertThat(result.naiveAnswered()).isLessThan(result.requests());

        // The server drops every third reply: requests 3 and 5 each need one retry at least.
        assertThat(result.lazy().answered()).isEqualTo(result.requests());
        assertThat(result.lazy().gaveUp()).isFalse();
        assertThat(result.lazy().retries()).isGreaterThanOrEqualTo(2);

        assertThat(result.silentServer().gaveUp()).isTrue();
        assertThat(result.silentServer().answered()).isZero();
        assertThat(result.silentServer().retries()).isEqualTo(3);
    }
}
