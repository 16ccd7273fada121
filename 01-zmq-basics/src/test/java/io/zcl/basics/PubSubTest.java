package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.pubsub.PubSub;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PubSubTest {

    @Test
    @Timeout(20)
    void subscriberReceivesOnlyItsTopic() throws Exception {
        PubSub.Result result = PubSub.runDemo("net", 10, line -> { });

        // RFC 29, PUB: "SHALL perform a binary comparison of the subscription against the start
        // of the first frame of the message." The first frame is the topic.
        assertThat(result.received()).isEqualTo(Map.of("net", 10));
        assertThat(result.sent()).containsKeys("gpu", "net", "disk");
        assertThat(result.sent().get("gpu")).isPositive();
        assertThat(result.sent().get("disk")).isPositive();
    }

    @Test
    @Timeout(20)
    void anotherTopicFiltersTheOtherWay() throws Exception {
        PubSub.Result result = PubSub.runDemo("disk", 5, line -> { });

        assertThat(result.received()).isEqualTo(Map.of("disk", 5));
    }
}
