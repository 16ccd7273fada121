package io.zcl.patterns.lru;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lru-queue example: workers that ask for work get work in proportion to their speed. */
class LruQueueTest {

    @Test
    void theFastWorkerDoesMoreThanTheSlowOneAndEveryTaskIsDone() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Integer> done;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            done = LruQueue.run(out);
        }

        assertThat(done.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(30);
        // 20 ms against 150 ms a task: even a badly scheduled run keeps the fast one well ahead.
        assertThat(done.get("fast")).isGreaterThan(done.getOrDefault("slow", 0));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("t-01 -> ", "t-30 -> ", "done per worker");
    }
}
