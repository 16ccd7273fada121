package io.zcl.runner.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine a benchmark ran on, recorded with its figures. */
final class Machine {

    private Machine() {
    }

    static Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("cpu", cpuModel());
        m.put("memory_gib", String.format(java.util.Locale.ROOT, "%.1f",
                ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getTotalMemorySize() / (1024.0 * 1024 * 1024)));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("process_launch", io.zcl.runner.local.SpawnMechanism.current());
        m.put("load_average_at_start", loadAverage());
        return m;
    }

    /** The 1-minute load average, as /proc/loadavg gives it. */
    static String loadAverage() {
        return String.format(java.util.Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /**
     * Samples the 1-minute load average once a second on a daemon thread while a run goes on, so
     * the report can say how loaded the machine was during it, not only at its start.
     */
    static final class LoadSampler implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;
        private double max = -1;
        private double sum;
        private int count;

        LoadSampler() {
            thread = new Thread(() -> {
                while (!stop) {
                    double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                    if (l >= 0) {
                        synchronized (this) {
                            max = Math.max(max, l);
                            sum += l;
                            count++;
                        }
                    }
                    try {
                        Thread.sleep(1000); // the sampling period
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-load-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        /** Adds load_average_mean_during and load_average_max_during (when any sample was taken). */
        synchronized void describe(Map<String, String> machine) {
            if (count > 0) {
                machine.put("load_average_mean_during", String.format(java.util.Locale.ROOT, "%.2f", sum / count));
                machine.put("load_average_max_during", String.format(java.util.Locale.ROOT, "%.2f", max));
            }
        }

        @Override
        public void close() {
            stop = true;
            thread.interrupt();
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
