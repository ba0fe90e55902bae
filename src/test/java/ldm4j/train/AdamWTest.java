package ldm4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.nn.Layers;
import ldm4j.nn.StateDict;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class AdamWTest {

    static final class Net extends Module {
        final Conv2dImpl conv;
        final LinearImpl fc;

        Net() {
            conv = register_module("conv", Layers.conv3x3(3, 4));
            fc = register_module("fc", Layers.linear(4 * 4 * 4, 2));
        }

        Tensor forward(Tensor x) {
            return fc.forward(torch.silu(conv.forward(x)).flatten(1, -1));
        }
    }

    static Tensor loss(Net n, long seed) {
        torch.manual_seed(seed);
        Tensor x = torch.randn(5, 3, 4, 4);
        return n.forward(x).pow(new Scalar(2)).mean();
    }

    @Test
    void matchesLibtorchAdamW() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(0);
            Net a = new Net();
            Net b = new Net();
            StateDict.load(b, StateDict.toHost(a, ""), "", Path.of("mem"));
            AdamW ours = new AdamW(a, 0.9, 0.99, 1e-8, 0.05);
            AdamWOptions o = new AdamWOptions(3e-3);
            // std::tuple<double, double> is stored in reverse order by libstdc++: index 0 is beta2.
            o.betas().put(new double[]{0.99, 0.9});
            o.weight_decay().put(0.05);
            o.eps().put(1e-8);
            org.bytedeco.pytorch.AdamW ref = new org.bytedeco.pytorch.AdamW(b.parameters(), o);
            for (int step = 0; step < 6; step++) {
                ours.zeroGrad();
                loss(a, step).backward();
                ours.step(3e-3);
                ref.zero_grad();
                loss(b, step).backward();
                ref.step();
            }
            Map<String, Tensor> ta = StateDict.tensors(a);
            Map<String, Tensor> tb = StateDict.tensors(b);
            for (String k : ta.keySet()) {
                double diff = ta.get(k).sub(tb.get(k)).abs().max().item_double();
                assertTrue(diff < 1e-6, k + " differs by " + diff);
            }
            assertEquals(6, ours.steps());
        }
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(0);
            Net a = new Net();
            AdamW optA = new AdamW(a, 0.9, 0.999, 1e-8, 0.0);
            for (int i = 0; i < 3; i++) {
                optA.zeroGrad();
                loss(a, i).backward();
                optA.step(1e-2);
            }
            Map<String, HostTensor> weights = StateDict.toHost(a, "m.");
            Map<String, HostTensor> state = optA.state("opt.");
            Net b = new Net();
            StateDict.load(b, weights, "m.", Path.of("mem"));
            AdamW optB = new AdamW(b, 0.9, 0.999, 1e-8, 0.0);
            optB.load(state, "opt.", Path.of("mem"));
            assertEquals(3, optB.steps());
            for (int i = 3; i < 5; i++) {
                optA.zeroGrad();
                loss(a, i).backward();
                optA.step(1e-2);
                optB.zeroGrad();
                loss(b, i).backward();
                optB.step(1e-2);
            }
            for (String k : StateDict.tensors(a).keySet()) {
                float[] x = Tensors.toFloats(StateDict.tensors(a).get(k));
                float[] y = Tensors.toFloats(StateDict.tensors(b).get(k));
                assertTrue(Arrays.equals(x, y), k + " differs after resume");
            }
            FormatException e = assertThrows(FormatException.class, () -> optB.load(Map.of(), "opt.", Path.of("ck")));
            assertTrue(e.getMessage().contains("no optimizer state 'opt.step'"), e.getMessage());
        }
    }

    @Test
    void cosineScheduleEndpointsAndMonotone() {
        LrSchedule.Cosine c = new LrSchedule.Cosine(8e-4, 1e-7, 0, 1000);
        assertEquals(8e-4, c.lr(0), 1e-15);
        assertEquals(1e-7, c.lr(1000), 1e-15);
        assertEquals(1e-7, c.lr(5000), 1e-15);
        assertEquals((8e-4 + 1e-7) / 2, c.lr(500), 1e-12);
        for (int i = 1; i <= 1000; i++) {
            assertTrue(c.lr(i) <= c.lr(i - 1));
        }
        LrSchedule.Cosine w = new LrSchedule.Cosine(1.0, 0.0, 10, 110);
        assertEquals(0.1, w.lr(0), 1e-12);
        assertEquals(1.0, w.lr(9), 1e-12);
        assertEquals(1.0, w.lr(10), 1e-12);
        assertEquals(0.0, w.lr(110), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule.Cosine(1e-3, 1e-2, 0, 10));
    }

    @Test
    void derivedSeedsAreStableAndDistinct() {
        // SplitMix64 as the JDK implements it: SplittableRandom(x).nextLong() is mix64(x + golden gamma)
        for (long[] c : new long[][]{{1, 2, 3}, {0, 0, 0}, {42, Seeds.ORDER, 7}, {-5, Seeds.DROPOUT, 123_456_789}}) {
            long x = c[0] + 0x9E3779B97F4A7C15L * c[1] + 0xD1B54A32D192ED03L * (c[2] + 1);
            assertEquals(new SplittableRandom(x).nextLong() & Long.MAX_VALUE, Seeds.derive(c[0], c[1], c[2]),
                    Arrays.toString(c));
        }
        assertEquals(2682708930606645585L, Seeds.derive(1, 2, 3), "recorded: every run's noise and order derive from it");
        assertTrue(Seeds.derive(1, 2, 3) != Seeds.derive(1, 2, 4));
        assertTrue(Seeds.derive(1, 2, 3) != Seeds.derive(1, 3, 3));
        assertTrue(Seeds.derive(1, 2, 3) >= 0);
    }
}
