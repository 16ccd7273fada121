package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.traps.HighWaterMark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HighWaterMarkTest {

    @Test
    @Timeout(30)
    void pubDropsWhenFullPushRefusesWhenFull() throws Exception {
        HighWaterMark.Result result = HighWaterMark.run(1000, line -> { });

        // RFC 29, PUB: "SHALL silently drop the message if the queue for a subscriber is full."
        // and "SHALL NOT block on sending." With HWM 10 each side, at most 20 fit in the pipe.
        assertThat(result.smallHwmReceived()).isPositive().isLessThanOrEqualTo(2 * HighWaterMark.HWM);
        assertThat(result.sizedHwmReceived()).isEqualTo(result.burst());

        // RFC 30, PUSH: "SHALL consider a peer as available only when it has a outgoing queue that
        // is not full." and "SHALL block on sending, or return a suitable error, when it has no
        // available peers." -> DONTWAIT fails, a send with a timeout gives up after it.
        assertThat(result.pushQueuedWhenFull()).isPositive().isLessThanOrEqualTo(2 * HighWaterMark.HWM);
        assertThat(result.timedSendFailed()).isTrue();
        assertThat(result.timedSendMillis()).isGreaterThanOrEqualTo(150);
        // ... and "SHALL NOT discard messages that it cannot queue": once read, all arrive.
        assertThat(result.deliveredOnceRead()).isEqualTo(result.burst());
    }
}
