package io.zcl.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One {@code ./zcl ...} run inside the test JVM: its exit code and what it printed. */
record Run(int exit, String out, String err) {

    static Run zcl(String... args) {
        CommandLine cl = Zcl.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }
}
