package io.zcl.runner.perftools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultTest {

    @Test
    void parsesEveryKindWithAndWithoutArguments() {
        assertThat(Fault.parse(null)).isEqualTo(Fault.NONE);
        assertThat(Fault.parse(" ")).isEqualTo(Fault.NONE);
        assertThat(Fault.parse("none")).isEqualTo(Fault.NONE);
        assertThat(Fault.parse("slow-link")).isEqualTo(new Fault.SlowLink(0.25));
        assertThat(Fault.parse("slow-link:0.5")).isEqualTo(new Fault.SlowLink(0.5));
        assertThat(Fault.parse("faulty-gpu")).isEqualTo(new Fault.FaultyGpu(0));
        assertThat(Fault.parse("Faulty-GPU:3")).isEqualTo(new Fault.FaultyGpu(3));
        assertThat(Fault.parse("dead-gpus")).isEqualTo(new Fault.DeadGpus());
        assertThat(Fault.parse("hang")).isEqualTo(new Fault.Hang());
        assertThat(Fault.parse("exit:2")).isEqualTo(new Fault.Exit(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "slow-link", "slow-link:0.5", "faulty-gpu:3", "dead-gpus", "hang", "exit:42"})
    void envValueReadsBackToTheSameFault(String text) {
        Fault fault = Fault.parse(text);
        assertThat(Fault.parse(fault.envValue())).isEqualTo(fault);
    }

    @Test
    void unknownKindNamesTheKnownOnes() {
        assertThatThrownBy(() -> Fault.parse("melt-gpu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown fault kind 'melt-gpu'")
                .hasMessageContaining("slow-link")
                .hasMessageContaining("exit:CODE");
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> Fault.parse("exit")).hasMessageContaining("needs a code");
        assertThatThrownBy(() -> Fault.parse("exit:0")).hasMessageContaining("1..255");
        assertThatThrownBy(() -> Fault.parse("exit:abc")).hasMessageContaining("bad argument 'abc'");
        assertThatThrownBy(() -> Fault.parse("faulty-gpu:-1")).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> Fault.parse("slow-link:2")).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> Fault.parse("hang:5")).hasMessageContaining("takes no argument");
    }
}
