package io.zcl.monitor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it rejects what the
 * format does not allow (a sample before its TYPE, a family split in two, a bad name, label or
 * value, a histogram whose buckets are not cumulative or do not end at +Inf == _count).
 */
final class PromTextParser {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Family(String name, String type, String help, List<Sample> samples) {
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    private PromTextParser() {
    }

    static Map<String, Family> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            String where = "line " + lineNo + " '" + line + "': ";
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String name = parts[2];
                    check(NAME.matcher(name).matches(), where + "bad metric name");
                    if (!name.equals(current)) {
                        check(!closed.contains(name) && !families.containsKey(name), where + "family " + name + " appears twice");
                        if (current != null) {
                            closed.add(current);
                        }
                        current = name;
                        families.put(name, new Family(name, null, null, new ArrayList<>()));
                    }
                    Family f = families.get(name);
                    if (parts[1].equals("TYPE")) {
                        check(parts.length == 4 && TYPES.contains(parts[3]), where + "bad type");
                        check(f.type() == null, where + "second TYPE");
                        check(f.samples().isEmpty(), where + "TYPE after samples");
                        families.put(name, new Family(name, parts[3], f.help(), f.samples()));
                    } else {
                        check(f.help() == null, where + "second HELP");
                        families.put(name, new Family(name, f.type(), parts.length == 4 ? parts[3] : "", f.samples()));
                    }
                }
                continue; // other comments are allowed
            }
            Sample s = sample(line, where);
            String family = familyOf(s.name(), current == null ? null : families.get(current));
            check(family != null && family.equals(current), where + "sample outside its family (TYPE " + current + ")");
            families.get(current).samples().add(s);
        }
        for (Family f : families.values()) {
            check(f.type() != null, "family " + f.name() + " has no TYPE");
            check(f.help() != null, "family " + f.name() + " has no HELP");
            if (f.type().equals("histogram")) {
                checkHistogram(f);
            }
        }
        return families;
    }

    private static String familyOf(String sample, Family current) {
        if (current == null) {
            return null;
        }
        if (sample.equals(current.name())) {
            return current.name();
        }
        if (current.type() != null && current.type().equals("histogram")) {
            for (String suffix : List.of("_bucket", "_sum", "_count")) {
                if (sample.equals(current.name() + suffix)) {
                    return current.name();
                }
            }
        }
        return sample;
    }

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( -?\\d+)?");

    private static Sample sample(String line, String where) {
        Matcher m = SAMPLE.matcher(line);
        check(m.matches(), where + "not a sample line");
        Map<String, String> labels = new LinkedHashMap<>();
        if (m.group(3) != null) {
            String l = m.group(3);
            int i = 0;
            while (i < l.length()) {
                int eq = l.indexOf('=', i);
                check(eq > i, where + "bad label");
                String name = l.substring(i, eq);
                check(LABEL_NAME.matcher(name).matches() && !labels.containsKey(name), where + "bad or repeated label name " + name);
                check(eq + 1 < l.length() && l.charAt(eq + 1) == '"', where + "label value must be quoted");
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (true) {
                    check(j < l.length(), where + "unterminated label value");
                    char c = l.charAt(j);
                    if (c == '\\') {
                        check(j + 1 < l.length(), where + "bad escape");
                        char e = l.charAt(j + 1);
                        check(e == '\\' || e == '"' || e == 'n', where + "bad escape \\" + e);
                        v.append(e == 'n' ? '\n' : e);
                        j += 2;
                    } else if (c == '"') {
                        break;
                    } else {
                        check(c != '\n', where + "raw line feed in label value");
                        v.append(c);
                        j++;
                    }
                }
                labels.put(name, v.toString());
                i = j + 1;
                if (i < l.length()) {
                    check(l.charAt(i) == ',', where + "labels must be separated by commas");
                    i++;
                }
            }
        }
        return new Sample(m.group(1), labels, value(m.group(4), where));
    }

    private static double value(String v, String where) {
        switch (v) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                check(v.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?"), where + "bad value " + v);
                return Double.parseDouble(v);
        }
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : f.samples()) {
            Map<String, String> rest = new LinkedHashMap<>(s.labels());
            if (s.name().endsWith("_bucket")) {
                check(rest.containsKey("le"), f.name() + ": bucket without le");
                rest.remove("le");
                buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(rest, s.value());
            } else {
                check(s.name().endsWith("_sum"), f.name() + ": unexpected sample " + s.name());
            }
        }
        check(buckets.keySet().equals(counts.keySet()), f.name() + ": buckets and _count series differ");
        buckets.forEach((labels, bs) -> {
            double prevLe = Double.NEGATIVE_INFINITY;
            double prev = 0;
            for (Sample b : bs) {
                double le = value(b.labels().get("le"), f.name() + " le: ");
                check(le > prevLe, f.name() + ": le not increasing");
                check(b.value() >= prev, f.name() + ": buckets not cumulative");
                prevLe = le;
                prev = b.value();
            }
            check(prevLe == Double.POSITIVE_INFINITY, f.name() + ": last bucket is not +Inf");
            check(prev == counts.get(labels), f.name() + ": +Inf bucket != _count");
        });
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
