package io.zcl.patterns.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options and {@code --flag} switches; anything unknown is an error, not a guess. */
final class Args {

    private final Map<String, String> values = new HashMap<>();

    private Args() {
    }

    static Args parse(String[] argv, int from, Set<String> options, Set<String> flags) {
        Args args = new Args();
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (flags.contains(a)) {
                args.values.put(a, "true");
            } else if (options.contains(a)) {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                args.values.put(a, argv[++i]);
            } else {
                throw new IllegalArgumentException("unknown option " + a + "; known: " + options + " " + flags);
            }
        }
        return args;
    }

    boolean has(String flag) {
        return values.containsKey(flag);
    }

    String get(String option, String fallback) {
        return values.getOrDefault(option, fallback);
    }

    long getLong(String option, long fallback) {
        String v = values.get(option);
        try {
            return v == null ? fallback : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " wants a number, got " + v, e);
        }
    }

    int getInt(String option, int fallback) {
        return Math.toIntExact(getLong(option, fallback));
    }
}
