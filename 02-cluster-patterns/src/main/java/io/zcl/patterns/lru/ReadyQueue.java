package io.zcl.patterns.lru;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * The load balancer's heart (zguide chapter 3, "lbbroker"): the idle workers in the order they
 * became idle. The next task goes to the head, the worker idle the longest (least recently used);
 * a worker that finishes joins the tail. A worker appears at most once, so a duplicate READY
 * cannot make it take two tasks at a time.
 */
public final class ReadyQueue<W> {

    private final LinkedHashSet<W> idle = new LinkedHashSet<>();

    /** Marks a worker idle, at the tail. Returns false if it was already waiting (its place is kept). */
    public boolean ready(W worker) {
        return idle.add(worker);
    }

    /** Takes the least recently used idle worker. */
    public Optional<W> next() {
        Iterator<W> it = idle.iterator();
        if (!it.hasNext()) {
            return Optional.empty();
        }
        W head = it.next();
        it.remove();
        return Optional.of(head);
    }

    /** Forgets a worker, e.g. one declared dead. */
    public boolean remove(W worker) {
        return idle.remove(worker);
    }

    public boolean isEmpty() {
        return idle.isEmpty();
    }

    public int size() {
        return idle.size();
    }

    /** Head first. */
    public List<W> inOrder() {
        return new ArrayList<>(idle);
    }
}
