package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;

import io.zcl.basics.reqrep.ReqRep;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ReqRepTest {

    @Test
    @Timeout(20)
    void everyRequestGetsItsOwnReplyInOrder() throws Exception {
        ReqRep.Result result = ReqRep.runDemo(10, line -> { });

        // RFC 28, REQ: "SHALL send and then receive exactly one message at a time."
        // So the n-th reply can only be the answer to the n-th request.
        List<String> expected = IntStream.rangeClosed(1, 10).mapToObj(n -> "reply to request " + n).toList();
        assertThat(result.replies()).containsExactlyElementsOf(expected);
        assertThat(result.everyRequestAnswered()).isTrue();
    }

    @Test
    @Timeout(60)
    void serverAndClientAsSeparateProcesses() throws Exception {
        try (ChildJvm server = ChildJvm.start("server", ReqRep.class,
                "server", "--endpoint", "tcp://127.0.0.1:*", "--requests", "3", "--seconds", "45")) {
            String endpoint = server.awaitMatch(ChildJvm.BOUND, Duration.ofSeconds(20));
            try (ChildJvm client = ChildJvm.start("client", ReqRep.class,
                    "client", "--endpoint", endpoint, "--requests", "3")) {
                assertThat(client.awaitExit(Duration.ofSeconds(30))).as(client.output()).isZero();
                assertThat(client.output())
                        .contains("client: 'request 1' -> 'reply to request 1'")
                        .contains("client: 'request 3' -> 'reply to request 3'")
                        .contains("client: got 3 replies");
            }
            assertThat(server.awaitExit(Duration.ofSeconds(10))).as(server.output()).isZero();
            assertThat(server.output()).contains("server: answered 3 requests");
        }
    }
}
