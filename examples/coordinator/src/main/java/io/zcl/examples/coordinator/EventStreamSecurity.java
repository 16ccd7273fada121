package io.zcl.examples.coordinator;

import io.zcl.runner.events.EventPublisher;
import io.zcl.runner.zmq.Curve;
import io.zcl.runner.zmq.KeyAllowList;
import io.zcl.runner.zmq.TransportSecurity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * {@code zcl run --events}: the event stream follows the run's security. A CURVE run publishes
 * its events as a CURVE server with the coordinator's key pair, to the monitors whose public keys
 * are in {@code --monitor-keys}; an {@code --insecure} run publishes plaintext, on loopback only.
 */
final class EventStreamSecurity {

    private EventStreamSecurity() {
    }

    /**
     * @param curve       the run's CURVE settings, or null for an --insecure run
     * @param monitorKeys --monitor-keys, or null
     */
    static EventPublisher publisher(String eventsBind, Curve.Server curve, Path monitorKeys, PrintWriter err)
            throws IOException {
        check(eventsBind, curve != null, monitorKeys);
        if (curve == null) {
            err.println("zcl run: " + TransportSecurity.check(eventsBind, false, true, "--curve-secret FILE "
                    + "--allow-keys DIR --monitor-keys DIR").replace("ZCR1 on", "the event stream on"));
            err.flush();
            return new EventPublisher(eventsBind);
        }
        KeyAllowList monitors = KeyAllowList.folder(monitorKeys);
        err.printf("zcl run: event stream is CURVE; %d monitor keys allowed from %s%n", monitors.size(), monitorKeys);
        err.flush();
        return new EventPublisher(eventsBind, new Curve.Server(curve.keys(), monitors));
    }

    /** The option rules alone (no files read), for parse-time checks and tests. */
    static void check(String eventsBind, boolean curve, Path monitorKeys) {
        if (eventsBind == null) {
            if (monitorKeys != null) {
                throw new IllegalArgumentException("--monitor-keys goes with --events ENDPOINT");
            }
            return;
        }
        if (curve) {
            if (monitorKeys == null) {
                throw new IllegalArgumentException("--events with CURVE needs --monitor-keys DIR: a folder of the "
                        + "monitors' public keys (./zcl keygen --dir keys --name monitor; copy keys/monitor.key there)");
            }
            return;
        }
        if (monitorKeys != null) {
            throw new IllegalArgumentException("--monitor-keys needs a CURVE run (--curve-secret FILE --allow-keys DIR), "
                    + "not --insecure");
        }
        if (!TransportSecurity.isLoopback(eventsBind)) {
            throw new IllegalArgumentException("--events " + eventsBind + " is not a loopback endpoint: an event stream "
                    + "off this machine needs CURVE (--curve-secret FILE --allow-keys DIR --monitor-keys DIR). "
                    + "--insecure is accepted only for 127.0.0.1, localhost, [::1] and ipc://");
        }
    }
}
