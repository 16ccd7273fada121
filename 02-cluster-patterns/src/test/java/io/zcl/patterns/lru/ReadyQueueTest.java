package io.zcl.patterns.lru;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReadyQueueTest {

    @Test
    void theWorkerIdleTheLongestGetsTheNextTask() {
        ReadyQueue<String> queue = new ReadyQueue<>();
        queue.ready("a");
        queue.ready("b");
        queue.ready("c");

        assertThat(queue.next()).contains("a");
        // a finishes and comes back: it queues behind b and c, who have waited longer.
        queue.ready("a");
        assertThat(queue.inOrder()).containsExactly("b", "c", "a");
        assertThat(queue.next()).contains("b");
        assertThat(queue.next()).contains("c");
        assertThat(queue.next()).contains("a");
        assertThat(queue.next()).isEmpty();
    }

    @Test
    void aSecondReadyDoesNotQueueAWorkerTwiceNorMoveItBack() {
        ReadyQueue<String> queue = new ReadyQueue<>();
        queue.ready("a");
        queue.ready("b");

        assertThat(queue.ready("a")).isFalse();

        assertThat(queue.inOrder()).containsExactly("a", "b");
    }

    @Test
    void aDeadWorkerLeavesTheQueue() {
        ReadyQueue<String> queue = new ReadyQueue<>();
        queue.ready("a");
        queue.ready("b");

        assertThat(queue.remove("a")).isTrue();

        assertThat(queue.next()).contains("b");
        assertThat(queue.isEmpty()).isTrue();
    }
}
