package io.zcl.runner.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Two small hand-drawn SVG charts, so a report needs no plotting library to be read. */
final class Svg {

    private static final String[] COLORS = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666"};
    private static final int W = 640;
    private static final int H = 400;
    private static final int L = 70;
    private static final int R = 20;
    private static final int T = 40;
    private static final int B = 50;

    private Svg() {
    }

    /** Percentile (y, linear) against latency (x, log10 ms), one line per series. */
    static String latencyCdf(List<Bench.Latency> series) {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (Bench.Latency l : series) {
            for (double[] p : l.cdf()) {
                min = Math.min(min, Math.max(p[0], 0.001));
                max = Math.max(max, p[0]);
            }
        }
        double lo = Math.floor(Math.log10(min));
        double hi = Math.ceil(Math.log10(Math.max(max, min * 10)));
        StringBuilder s = header("Round-trip latency CDF (log x)", "latency, ms", "percentile");
        for (double d = lo; d <= hi; d++) {
            double x = L + (d - lo) / (hi - lo) * (W - L - R);
            s.append(line(x, T, x, H - B, "#ddd")).append(text(x, H - B + 18, fmt(Math.pow(10, d)), "middle"));
        }
        for (int p = 0; p <= 100; p += 25) {
            double y = H - B - p / 100.0 * (H - T - B);
            s.append(line(L, y, W - R, y, "#ddd")).append(text(L - 8, y + 4, Integer.toString(p), "end"));
        }
        int i = 0;
        for (Bench.Latency l : series) {
            StringBuilder pts = new StringBuilder();
            for (double[] p : l.cdf()) {
                double x = L + (Math.log10(Math.max(p[0], 0.001)) - lo) / (hi - lo) * (W - L - R);
                double y = H - B - p[1] / 100.0 * (H - T - B);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            s.append(polyline(pts.toString(), COLORS[i % COLORS.length]));
            s.append(legend(i, l.name() + String.format(Locale.ROOT, " (p50 %.3f ms)", l.p50Ms()), COLORS[i % COLORS.length]));
            i++;
        }
        return s.append("</svg>\n").toString();
    }

    /** Fan-out makespan (log y) against nodes (log x), one line per transport. */
    static String makespan(List<Bench.SizeResult> sizes) {
        Map<String, TreeMap<Integer, Double>> byTransport = new TreeMap<>();
        double maxMs = 1;
        double minMs = Double.MAX_VALUE;
        int maxN = 1;
        for (Bench.SizeResult r : sizes) {
            byTransport.computeIfAbsent(r.transport(), k -> new TreeMap<>()).put(r.nodes(), r.fanoutMedianMs());
            maxMs = Math.max(maxMs, r.fanoutMedianMs());
            minMs = Math.min(minMs, r.fanoutMedianMs());
            maxN = Math.max(maxN, r.nodes());
        }
        double yLo = Math.floor(Math.log10(Math.max(minMs, 0.01)));
        double yHi = Math.ceil(Math.log10(maxMs * 1.01));
        if (yHi <= yLo) {
            yHi = yLo + 1;
        }
        double xHi = Math.max(1, Math.ceil(Math.log10(maxN) / Math.log10(2)));
        StringBuilder s = header("Fan-out of `true` to all nodes: median makespan (log-log)", "nodes", "ms");
        for (int e = 0; e <= xHi; e++) {
            double x = L + e / xHi * (W - L - R);
            s.append(line(x, T, x, H - B, "#eee")).append(text(x, H - B + 18, Integer.toString(1 << e), "middle"));
        }
        for (double d = yLo; d <= yHi; d++) {
            double y = H - B - (d - yLo) / (yHi - yLo) * (H - T - B);
            s.append(line(L, y, W - R, y, "#ddd")).append(text(L - 8, y + 4, fmt(Math.pow(10, d)), "end"));
        }
        int i = 0;
        for (Map.Entry<String, TreeMap<Integer, Double>> e : byTransport.entrySet()) {
            StringBuilder pts = new StringBuilder();
            String color = COLORS[i % COLORS.length];
            for (Map.Entry<Integer, Double> p : e.getValue().entrySet()) {
                double x = L + (Math.log10(p.getKey()) / Math.log10(2)) / xHi * (W - L - R);
                double y = H - B - (Math.log10(Math.max(p.getValue(), 0.01)) - yLo) / (yHi - yLo) * (H - T - B);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y, color));
            }
            s.append(polyline(pts.toString(), color)).append(legend(i, e.getKey(), color));
            i++;
        }
        return s.append("</svg>\n").toString();
    }

    private static StringBuilder header(String title, String xLabel, String yLabel) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", W, H));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        s.append(text(W / 2.0, 22, title, "middle").replace("<text", "<text font-size=\"15\""));
        s.append(text((L + W - R) / 2.0, H - 12, xLabel, "middle"));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" "
                + "text-anchor=\"middle\">%s</text>%n", (T + H - B) / 2.0, (T + H - B) / 2.0, yLabel));
        s.append(line(L, H - B, W - R, H - B, "#333")).append(line(L, T, L, H - B, "#333"));
        return s;
    }

    private static String legend(int i, String label, String color) {
        double y = T + 10 + i * 16;
        return String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"3\" fill=\"%s\"/>%n", L + 10,
                y - 4, color) + text(L + 28, y, esc(label), "start");
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, color);
    }

    private static String polyline(String points, String color) {
        return "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + color + "\" points=\"" + points.strip() + "\"/>\n";
    }

    private static String text(double x, double y, String t, String anchor) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>%n", x, y, anchor, t);
    }

    private static String fmt(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", (float) v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
