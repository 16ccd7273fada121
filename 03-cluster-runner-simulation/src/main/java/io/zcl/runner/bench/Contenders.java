package io.zcl.runner.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The transports the benchmark knows, by name. */
public final class Contenders {

    private Contenders() {
    }

    public static Map<String, Supplier<Contender>> all(int heartbeatMs) {
        Map<String, Supplier<Contender>> m = new LinkedHashMap<>();
        m.put("zmq", () -> new ZmqContender(heartbeatMs));
        m.put("zmq-curve", () -> new ZmqContender(heartbeatMs, true));
        m.put("ssh", SshContender::new);
        return m;
    }
}
