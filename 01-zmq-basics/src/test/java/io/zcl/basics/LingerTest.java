package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.traps.Linger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LingerTest {

    @Test
    @Timeout(30)
    void infiniteLingerBlocksCloseUntilThePeerComesAndBoundedLingerDoesNot() throws Exception {
        Linger.Result result = Linger.run(500, line -> { });

        assertThat(result.blockedPastWatchdog()).as("close() with LINGER -1 and no peer").isTrue();
        assertThat(result.deliveredToLatePeer()).as("the pending message was what close() waited for").isTrue();
        assertThat(result.lingerZeroCloseMillis()).isLessThan(result.watchdogMillis());
        assertThat(result.boundedLingerCloseMillis())
                .isGreaterThanOrEqualTo(result.boundedLinger() - 50L)
                .isLessThan(result.boundedLinger() + 2000L);
        assertThat(result.flagStopMillis()).as("stopped by flag + 100 ms receive timeout").isLessThan(1000);
    }
}
