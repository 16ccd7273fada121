package io.zcl.basics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArgsTest {

    private static final String USAGE = "usage: demo [server|client]";

    @Test
    void readsRoleOptionsAndDefaults() {
        Args args = Args.parse(new String[] {"server", "--endpoint", "tcp://*:5555", "--requests", "3"}, USAGE,
                "endpoint", "requests", "seconds");

        assertThat(args.role()).isEqualTo("server");
        assertThat(args.string("endpoint", "tcp://*:1")).isEqualTo("tcp://*:5555");
        assertThat(args.integer("requests", 5)).isEqualTo(3);
        assertThat(args.integer("seconds", 7)).isEqualTo(7);
        assertThat(args.help()).isFalse();
    }

    @Test
    void noRoleMeansOneProcessAndHelpIsAFlag() {
        Args args = Args.parse(new String[] {"--help"}, USAGE);

        assertThat(args.role()).isEmpty();
        assertThat(args.help()).isTrue();
    }

    @Test
    void typosAreErrorsNotSilentDefaults() {
        assertThatThrownBy(() -> Args.parse(new String[] {"--endpiont", "x"}, USAGE, "endpoint"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option --endpiont")
                .hasMessageContaining(USAGE);
        assertThatThrownBy(() -> Args.parse(new String[] {"--endpoint"}, USAGE, "endpoint"))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Args.parse(new String[] {"--requests", "many"}, USAGE, "requests").integer("requests", 1))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> Args.parse(new String[] {"server", "client"}, USAGE))
                .hasMessageContaining("unexpected argument 'client'");
    }

    @Test
    void stopWhenCountsAndFlags() {
        assertThat(StopWhen.after(3, 0).reached(2)).isFalse();
        assertThat(StopWhen.after(3, 0).reached(3)).isTrue();
        assertThat(StopWhen.after(0, 0).reached(1_000_000)).as("0 = no limit").isFalse();
        boolean[] flag = {false};
        StopWhen stop = StopWhen.raised(() -> flag[0]);
        assertThat(stop.reached(0)).isFalse();
        flag[0] = true;
        assertThat(stop.reached(0)).isTrue();
        assertThat(StopWhen.describe(0, 0)).isEqualTo("runs until stopped (Ctrl-C)");
        assertThat(StopWhen.describe(5, 30)).isEqualTo("stops after 5 messages or 30 s");
    }
}
