package io.zcl.runner.schedule;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodesConcurrencySetTest {

    @Test
    void overlappingGroupsWaitAndDisjointOnesRun() {
        NodesConcurrencySet set = new NodesConcurrencySet(4);
        CompletableFuture<NodesConcurrencySet.Lease> ab = set.acquireAsync(List.of("a", "b"));
        CompletableFuture<NodesConcurrencySet.Lease> bc = set.acquireAsync(List.of("b", "c"));
        CompletableFuture<NodesConcurrencySet.Lease> d = set.acquireAsync(List.of("d"));

        assertThat(ab).isCompleted();
        assertThat(bc).isNotDone();
        assertThat(d).isCompleted();
        assertThat(set.busyNodes()).containsExactlyInAnyOrder("a", "b", "d");

        ab.join().close();
        assertThat(bc).isCompleted();
        assertThat(set.busyNodes()).containsExactlyInAnyOrder("b", "c", "d");
    }

    @Test
    void theParallelGroupBoundHoldsEvenForDisjointGroups() {
        NodesConcurrencySet set = new NodesConcurrencySet(2);
        var first = set.acquireAsync(List.of("a"));
        var second = set.acquireAsync(List.of("b"));
        var third = set.acquireAsync(List.of("c"));

        assertThat(set.running()).isEqualTo(2);
        assertThat(third).isNotDone();
        second.join().close();
        assertThat(third).isCompleted();
        first.join().close();
        third.join().close();
        assertThat(set.running()).isZero();
        assertThat(set.busyNodes()).isEmpty();
    }

    @Test
    void aWaitingBigGroupReservesItsNodesSoSmallGroupsCannotStarveIt() {
        NodesConcurrencySet set = new NodesConcurrencySet(8);
        NodesConcurrencySet.Lease holdsA = set.acquireAsync(List.of("a")).join();
        CompletableFuture<NodesConcurrencySet.Lease> big = set.acquireAsync(List.of("a", "b", "c", "d"));
        CompletableFuture<NodesConcurrencySet.Lease> smallOnB = set.acquireAsync(List.of("b"));
        CompletableFuture<NodesConcurrencySet.Lease> unrelated = set.acquireAsync(List.of("e"));

        assertThat(big).isNotDone();
        assertThat(smallOnB).as("b is reserved for the big group queued ahead").isNotDone();
        assertThat(unrelated).as("e is wanted by nobody ahead").isCompleted();

        holdsA.close();
        assertThat(big).isCompleted();
        assertThat(smallOnB).isNotDone();
        big.join().close();
        assertThat(smallOnB).isCompleted();
    }

    @Test
    void aWaitingGroupGetsTheNextFreeSlotBeforeLaterOnes() {
        NodesConcurrencySet set = new NodesConcurrencySet(1);
        NodesConcurrencySet.Lease running = set.acquireAsync(List.of("a")).join();
        var second = set.acquireAsync(List.of("b"));
        var third = set.acquireAsync(List.of("c"));

        running.close();
        assertThat(second).isCompleted();
        assertThat(third).isNotDone();
    }

    @Test
    void cancellingAWaitWithdrawsItAndReleasesWhatItReserved() {
        NodesConcurrencySet set = new NodesConcurrencySet(4);
        NodesConcurrencySet.Lease holdsA = set.acquireAsync(List.of("a")).join();
        CompletableFuture<NodesConcurrencySet.Lease> big = set.acquireAsync(List.of("a", "b"));
        CompletableFuture<NodesConcurrencySet.Lease> onB = set.acquireAsync(List.of("b"));
        assertThat(onB).isNotDone();

        big.cancel(false);

        assertThat(onB).isCompleted();
        assertThat(set.waiting()).isZero();
        holdsA.close();
        assertThat(set.busyNodes()).containsExactly("b");
    }

    @Test
    void leasesReleaseOnceAndBadGroupsAreRejected() {
        NodesConcurrencySet set = new NodesConcurrencySet(1);
        NodesConcurrencySet.Lease lease = set.acquireAsync(List.of("a")).join();
        lease.close();
        lease.close();
        assertThat(set.running()).isZero();

        assertThatThrownBy(() -> set.acquireAsync(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> set.acquireAsync(List.of("a", "a"))).hasMessageContaining("twice");
        assertThatThrownBy(() -> new NodesConcurrencySet(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void underContentionNoNodeIsDoubleBookedAndTheBoundHolds() throws Exception {
        int threads = 8;
        int perThread = 300;
        int maxParallel = 3;
        NodesConcurrencySet set = new NodesConcurrencySet(maxParallel);
        Map<String, String> owner = new ConcurrentHashMap<>();
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        AtomicInteger doubleBooked = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = 42 + t;
                workers.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        List<String> group = randomGroup(random, 12, 1 + random.nextInt(random.nextInt(10) == 0 ? 12 : 4));
                        String me = Thread.currentThread().getName() + "#" + i;
                        try (NodesConcurrencySet.Lease lease = set.acquire(group)) {
                            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                            for (String node : lease.nodes()) {
                                if (owner.putIfAbsent(node, me) != null) {
                                    doubleBooked.incrementAndGet();
                                }
                            }
                            Thread.yield();
                            for (String node : lease.nodes()) {
                                owner.remove(node, me);
                            }
                            active.decrementAndGet();
                        }
                        completed.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(doubleBooked.get()).isZero();
        assertThat(maxActive.get()).isBetween(1, maxParallel);
        assertThat(completed.get()).isEqualTo(threads * perThread);
        assertThat(set.running()).isZero();
        assertThat(set.waiting()).isZero();
    }

    private static List<String> randomGroup(Random random, int nodes, int size) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            all.add("node-" + i);
        }
        java.util.Collections.shuffle(all, random);
        return all.subList(0, size);
    }

    @Test
    void blockingAcquireWaitsForRelease() throws Exception {
        NodesConcurrencySet set = new NodesConcurrencySet(1);
        NodesConcurrencySet.Lease first = set.acquire(List.of("a"));
        CompletableFuture<NodesConcurrencySet.Lease> second = CompletableFuture.supplyAsync(() -> {
            try {
                return set.acquire(List.of("a"));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> set.waiting() == 1);
        assertThat(second).isNotDone();
        first.close();
        assertThat(second.get(30, TimeUnit.SECONDS).nodes()).containsExactly("a");
    }
}
