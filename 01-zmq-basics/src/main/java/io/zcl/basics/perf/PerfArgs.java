package io.zcl.basics.perf;

/** libzmq's perf tools take exactly three arguments: endpoint, message size in bytes, count. */
record PerfArgs(String endpoint, int size, int count) {

    /** Parses the three arguments; null after printing {@code usage} when --help was asked for. */
    static PerfArgs parse(String[] argv, String usage) {
        if (argv.length == 1 && (argv[0].equals("--help") || argv[0].equals("-h"))) {
            System.out.print(usage);
            return null;
        }
        if (argv.length != 3) {
            throw new IllegalArgumentException("expected 3 arguments, got " + argv.length + "\n" + usage);
        }
        try {
            return new PerfArgs(argv[0], Integer.parseInt(argv[1]), Integer.parseInt(argv[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("message size and count must be whole numbers\n" + usage, e);
        }
    }
}
