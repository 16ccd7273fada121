package io.zcl.runner.perftools;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the text output of perftest's bandwidth tests (ib_write_bw, ib_read_bw, ib_send_bw), on
 * either side of the connection. Text, not --output=json: perftest's JSON output is known to be
 * invalid.
 *
 * <p>The unit comes from the table header and every figure is normalised to Gb/s:
 * {@code Gb/sec} (--report_gbits; 1 Gb = 1e9 bits), {@code MiB/sec} (perftest since 2024) and
 * {@code MB/sec} (before 2024) are both 2^20 bytes per second, since perftest always divided by
 * 0x100000 and only the label changed. Lines between table rows that are not rows (warnings such
 * as "Conflicting CPU frequency values detected") are skipped and kept in {@link Result#warnings};
 * rows printed with 6 decimals (averages below 0.1 Gb/s) parse like the others.
 */
public final class IbWriteBwParser {

    private static final Pattern HEADER = Pattern.compile("#bytes\\s+#iterations\\s+BW peak\\[([^\\]]+)\\]\\s+BW average\\[([^\\]]+)\\]");
    private static final Pattern ROW = Pattern.compile("^(\\d+)\\s+(\\d+)\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)(\\s.*)?$");
    private static final Pattern DEVICE = Pattern.compile("Device\\s*:\\s*(\\S+)");
    private static final Pattern TITLE = Pattern.compile("^\\s*(\\S+ BW Test)\\s*$");
    private static final Pattern RULE = Pattern.compile("^-{20,}$");

    private IbWriteBwParser() {
    }

    /** The unit the table was printed in. */
    public enum Unit {
        GBIT_PER_SEC("Gb/sec", 1.0),
        MIB_PER_SEC("MiB/sec", 1048576.0 * 8 / 1e9),
        MB_PER_SEC("MB/sec", 1048576.0 * 8 / 1e9);

        private final String label;
        private final double toGbps;

        Unit(String label, double toGbps) {
            this.label = label;
            this.toGbps = toGbps;
        }

        public String label() {
            return label;
        }

        /** Converts a figure in this unit to Gb/s. */
        public double toGbps(double value) {
            return value * toGbps;
        }

        static Optional<Unit> of(String label) {
            for (Unit u : values()) {
                if (u.label.equalsIgnoreCase(label.trim())) {
                    return Optional.of(u);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * One table row, normalised to Gb/s. {@code peakGbps} is 0 when perftest did not measure the
     * peak (duration mode, -D).
     */
    public record Row(long sizeBytes, long iterations, double peakGbps, double averageGbps, double msgRateMpps) {
    }

    /**
     * What one side printed.
     *
     * @param title    e.g. "RDMA_Write BW Test"
     * @param device   the "Device :" setting, e.g. "mlx5_0"; empty if not printed
     * @param server   true when this is the server side ("Waiting for client to connect")
     * @param unit     the unit the table was printed in (figures in rows are already Gb/s)
     * @param rows     table rows in printed order
     * @param warnings non-row lines found inside the table
     */
    public record Result(String title, Optional<String> device, boolean server, Unit unit, List<Row> rows,
                         List<String> warnings) {
        public Result {
            rows = List.copyOf(rows);
            warnings = List.copyOf(warnings);
        }

        /** The BW average of the largest message size: the pair's figure in a bandwidth check. */
        public double averageGbps() {
            return rows.stream().max(java.util.Comparator.comparingLong(Row::sizeBytes)).orElseThrow().averageGbps();
        }
    }

    /**
     * Parses one side's output.
     *
     * @throws PerfToolParseException when there is no result table with at least one row
     */
    public static Result parse(String output) {
        if (output == null || output.isBlank()) {
            throw new PerfToolParseException("ib_write_bw: empty output");
        }
        String title = "";
        Optional<String> device = Optional.empty();
        boolean server = false;
        Unit unit = null;
        boolean inTable = false;
        List<Row> rows = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String raw : output.split("\\r?\\n|\\r")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if (line.contains("Waiting for client to connect")) {
                server = true;
            } else if ((m = HEADER.matcher(line)).find()) {
                String label = m.group(2);
                unit = Unit.of(label).orElseThrow(() -> new PerfToolParseException(
                        "ib_write_bw: unknown bandwidth unit '" + label + "' in table header"));
                inTable = true;
            } else if (inTable) {
                if (RULE.matcher(line).matches()) {
                    inTable = false;
                } else if ((m = ROW.matcher(line)).matches()) {
                    rows.add(new Row(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                            unit.toGbps(Double.parseDouble(m.group(3))), unit.toGbps(Double.parseDouble(m.group(4))),
                            Double.parseDouble(m.group(5))));
                } else {
                    warnings.add(line);
                }
            } else if ((m = TITLE.matcher(line)).find() && title.isEmpty()) {
                title = m.group(1);
            } else if (device.isEmpty() && (m = DEVICE.matcher(line)).find()) {
                device = Optional.of(m.group(1));
            }
        }
        if (unit == null) {
            throw new PerfToolParseException("ib_write_bw: no result table header (#bytes #iterations BW peak ...) in "
                    + (server ? "server output that only waited for a client, starting " : "output starting ")
                    + PerfToolParseException.preview(output));
        }
        if (rows.isEmpty()) {
            throw new PerfToolParseException("ib_write_bw: result table has no rows (run cut short?)");
        }
        return new Result(title, device, server, unit, rows, warnings);
    }
}
