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
        m.put("asyncssh", AsyncsshContender::new);
        m.put("pdsh", PdshContender::new);
        return m;
    }

    /**
     * What to install for the transports asked for whose programs are missing here, one line each
     * (empty when all can run). The bench checks this before it measures anything.
     */
    public static java.util.List<String> missingPrograms(java.util.List<String> transports) {
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (String t : transports) {
            String why = switch (t) {
                case "ssh", "asyncssh", "pdsh" -> io.zcl.runner.ssh.OpenSshServers.available() ? null
                        : t + ": OpenSSH sshd not installed (the nodes): apt-get install openssh-server";
                default -> null;
            };
            if (why == null && t.equals("asyncssh")) {
                why = AsyncsshContender.missing();
            }
            if (why == null && t.equals("pdsh")) {
                why = PdshContender.missing();
            }
            if (why != null) {
                missing.add(why);
            }
        }
        return missing;
    }
}
