package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.routerdealer.RouterDealer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RouterDealerTest {

    @Test
    @Timeout(30)
    void eachClientGetsExactlyItsOwnReplies() throws Exception {
        RouterDealer.Result result = RouterDealer.runDemo(3, 3, 4, line -> { });

        // RFC 28, ROUTER: "SHALL prefix each incoming message with a frame containing the identity
        // of the originating double queue." and, on the way back, "SHALL remove the first frame
        // from each outgoing message and use this as the identity of a double queue."
        assertThat(result.repliesPerClient()).containsOnlyKeys("client-1", "client-2", "client-3");
        result.repliesPerClient().forEach((client, replies) -> {
            List<String> requests = replies.stream().map(reply -> reply.substring(0, reply.indexOf(" -> "))).toList();
            assertThat(requests).as(client).containsExactlyInAnyOrder(
                    client + " request 1", client + " request 2", client + " request 3", client + " request 4");
        });
        // RFC 28, DEALER: "SHALL route outgoing messages to available peers using a round-robin strategy."
        assertThat(result.perWorker()).containsOnlyKeys("worker-1", "worker-2", "worker-3");
        assertThat(result.perWorker().values()).allSatisfy(served -> assertThat(served).isPositive());
        assertThat(result.perWorker().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(12);
    }
}
