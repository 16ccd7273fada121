package io.zcl.patterns.cluster;

import io.zcl.patterns.heartbeat.Liveness;
import io.zcl.patterns.protocol.Messages.Event;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Records the coordinator's events with the moment each was published (monotonic ms). */
final class EventRecorder implements Consumer<Event> {

    record Seen(Event event, long atMillis) {
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    @Override
    public void accept(Event event) {
        seen.add(new Seen(event, Liveness.MONOTONIC_MILLIS.getAsLong()));
    }

    List<Event> ofType(String type) {
        return seen.stream().map(Seen::event).filter(e -> e.type().equals(type)).toList();
    }

    Optional<Seen> first(String type, String worker) {
        return seen.stream().filter(s -> s.event().type().equals(type) && worker.equals(s.event().worker())).findFirst();
    }

    /** The first such event the coordinator published at or after {@code sinceMillis} (its clock). */
    Optional<Event> firstSince(String type, String worker, long sinceMillis) {
        return ofType(type).stream().filter(e -> worker.equals(e.worker()) && e.at() >= sinceMillis).findFirst();
    }

    Optional<String> workerOf(String type, String taskId) {
        return ofType(type).stream().filter(e -> taskId.equals(e.task())).map(Event::worker).findFirst();
    }

    long count(String type, String worker) {
        return ofType(type).stream().filter(e -> worker.equals(e.worker())).count();
    }
}
