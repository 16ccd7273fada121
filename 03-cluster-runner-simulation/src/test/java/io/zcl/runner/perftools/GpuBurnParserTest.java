package io.zcl.runner.perftools;

import io.zcl.runner.perftools.GpuBurnParser.Result;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GpuBurnParserTest {

    @Test
    void allGpusOk() {
        Result r = GpuBurnParser.parse(Samples.read("gpu-burn-ok.txt"));

        assertThat(r.tested()).hasValue(4);
        assertThat(r.gpus()).hasSize(4);
        assertThat(r.allOk()).isTrue();
        assertThat(r.faultyGpus()).isEmpty();
        assertThat(r.aborted()).isFalse();
        assertThat(r.progress()).hasValueSatisfying(p -> {
            assertThat(p.percent()).isEqualTo(30.1);
            assertThat(p.gflops()).containsExactly(18078.0, 18115.0, 18152.0, 18189.0);
            assertThat(p.errors()).containsOnly(0L);
            assertThat(p.died()).containsOnly(false);
        });
    }

    @Test
    void faultyGpuFromCarriageReturnProgress() {
        String text = Samples.read("gpu-burn-faulty.txt");
        assertThat(text).contains("\r");
        Result r = GpuBurnParser.parse(text);

        assertThat(r.tested()).hasValue(8);
        assertThat(r.faultyGpus()).containsExactly(5);
        assertThat(r.allOk()).isFalse();
        assertThat(r.progress().orElseThrow().errors().get(5)).isEqualTo(2041L + 2058 + 2075);
    }

    @Test
    void allWorkersDead() {
        Result r = GpuBurnParser.parse(Samples.read("gpu-burn-aborted.txt"));

        assertThat(r.aborted()).isTrue();
        assertThat(r.tested()).isEmpty();
        assertThat(r.allOk()).isFalse();
        assertThat(r.progress().orElseThrow().died()).containsExactly(true, true);
    }

    @Test
    void garbageIsAClearParseError() {
        assertThatThrownBy(() -> GpuBurnParser.parse("Usage: something else\n"))
                .isInstanceOf(PerfToolParseException.class).hasMessageContaining("no 'Tested N GPUs:' summary");
        assertThatThrownBy(() -> GpuBurnParser.parse("  \n")).isInstanceOf(PerfToolParseException.class);
    }
}
