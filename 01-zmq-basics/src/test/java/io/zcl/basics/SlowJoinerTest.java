package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.traps.SlowJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SlowJoinerTest {

    @Test
    @Timeout(30)
    void lateSubscriberLosesTheStartAndSyncedSubscriberLosesNothing() throws Exception {
        SlowJoiner.Result result = SlowJoiner.run(200, line -> { });

        // RFC 29, PUB: "SHALL create a queue when a subscriber connects to it." Before that there
        // is no queue, so what is published meanwhile is gone. The naive subscriber is created only
        // after the first message was sent, so it must miss at least that one.
        assertThat(result.naiveReceived()).isLessThan(result.sent());
        assertThat(result.naiveFirst()).isPositive();
        // Synced: a HELLO arrived before the data, so the subscription was already in place.
        assertThat(result.syncedReceived()).isEqualTo(result.sent());
    }
}
