package io.zcl.runner.schedule;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Admission control for groups of nodes: a node is in at most one running group (two tests on
 * one node would measure each other), and at most {@code maxParallelGroups} groups run at once.
 *
 * <p>Fairness: waiting groups are served in arrival order, except that a later group may go
 * first when it shares no node with any group waiting ahead of it. The nodes of a waiting group
 * are reserved: a later group that needs one of them waits behind it. So a stream of small groups
 * cannot starve a big one; every waiting group is admitted once the groups running ahead of it
 * finish.
 */
public final class NodesConcurrencySet {

    private final int maxParallelGroups;
    private final Object lock = new Object();
    private final Set<String> busy = new HashSet<>();
    private final LinkedList<Waiter> waiters = new LinkedList<>();
    private int running;

    private record Waiter(List<String> group, CompletableFuture<Lease> future) {
    }

    private record Grant(Waiter waiter, Lease lease) {
    }

    public NodesConcurrencySet(int maxParallelGroups) {
        if (maxParallelGroups < 1) {
            throw new IllegalArgumentException("max parallel groups must be >= 1, got " + maxParallelGroups);
        }
        this.maxParallelGroups = maxParallelGroups;
    }

    public int maxParallelGroups() {
        return maxParallelGroups;
    }

    /** Waits until the group may run; close the lease to release it. */
    public Lease acquire(Collection<String> group) throws InterruptedException {
        CompletableFuture<Lease> admitted = acquireAsync(group);
        try {
            return admitted.get();
        } catch (InterruptedException e) {
            if (!admitted.cancel(false)) {
                admitted.join().close();
            }
            throw e;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Completes with a lease when the group may run (possibly at once, on this thread). Cancelling
     * the future withdraws the request; a lease granted at the same moment is released.
     */
    public CompletableFuture<Lease> acquireAsync(Collection<String> group) {
        List<String> nodes = List.copyOf(group);
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a group needs at least one node");
        }
        if (new HashSet<>(nodes).size() != nodes.size()) {
            throw new IllegalArgumentException("a node appears twice in group " + nodes);
        }
        Waiter waiter = new Waiter(nodes, new CompletableFuture<>());
        List<Grant> grants;
        synchronized (lock) {
            waiters.add(waiter);
            grants = admit();
        }
        deliver(grants);
        waiter.future().whenComplete((lease, error) -> {
            if (error instanceof CancellationException) {
                withdraw(waiter);
            }
        });
        return waiter.future();
    }

    /** Groups running now. */
    public int running() {
        synchronized (lock) {
            return running;
        }
    }

    /** Groups waiting to be admitted. */
    public int waiting() {
        synchronized (lock) {
            return waiters.size();
        }
    }

    /** Nodes in running groups. */
    public Set<String> busyNodes() {
        synchronized (lock) {
            return Set.copyOf(busy);
        }
    }

    /** Admits, in order, every waiter whose nodes are free and not reserved by one ahead of it. Holds the lock. */
    private List<Grant> admit() {
        List<Grant> grants = new ArrayList<>();
        Set<String> reserved = new HashSet<>();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext() && running < maxParallelGroups; ) {
            Waiter waiter = it.next();
            if (Collections.disjoint(waiter.group(), busy) && Collections.disjoint(waiter.group(), reserved)) {
                it.remove();
                busy.addAll(waiter.group());
                running++;
                grants.add(new Grant(waiter, new Lease(waiter.group())));
            } else {
                reserved.addAll(waiter.group());
            }
        }
        return grants;
    }

    /** Completes futures outside the lock: their callbacks may start work or release leases. */
    private static void deliver(List<Grant> grants) {
        for (Grant grant : grants) {
            if (!grant.waiter().future().complete(grant.lease())) {
                grant.lease().close();
            }
        }
    }

    private void withdraw(Waiter waiter) {
        List<Grant> grants = List.of();
        synchronized (lock) {
            if (waiters.remove(waiter)) {
                grants = admit();
            }
        }
        deliver(grants);
    }

    /** Permission for one group to run; closing it frees the group's nodes and its slot. Idempotent. */
    public final class Lease implements AutoCloseable {

        private final List<String> nodes;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(List<String> nodes) {
            this.nodes = nodes;
        }

        public List<String> nodes() {
            return nodes;
        }

        @Override
        public void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            List<Grant> grants;
            synchronized (lock) {
                nodes.forEach(busy::remove);
                running--;
                grants = admit();
            }
            deliver(grants);
        }
    }
}
