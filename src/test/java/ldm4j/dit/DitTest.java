package ldm4j.dit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.config.DitSizes;
import ldm4j.diffusion.CosineSchedule;
import ldm4j.diffusion.VDenoiser;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.nn.StateDict;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * One DiT training step against scripts/reference/dit_reference.py (fixtures by
 * scripts/fixtures/make_dit_fixtures.py): the v-prediction, the v-MSE and the gradient of every parameter,
 * for two sizes (depth 1 width 16 with 2 heads; depth 2 width 24 with 3 heads and QK-norm) at patch sizes 2
 * and 4, within 1e-5 relative in fp32. And the structure: DiT's parameter names, a fresh DiT outputs zero.
 */
class DitTest {
    static final double TOLERANCE = 1e-5;

    /** max |a - ref| / max |ref|. */
    static double relError(float[] a, float[] ref) {
        assertEquals(ref.length, a.length);
        double diff = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - ref[i]));
            scale = Math.max(scale, Math.abs(ref[i]));
        }
        assertTrue(scale > 0, "reference is all zeros: the test could not fail");
        return diff / scale;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static Dit fromFixture(SafetensorsFile f) {
        String[] a = f.metadata().get("arch").split(" "); // depth hidden heads patch qkNorm numClasses inChannels latentSize
        DitSizes.Size size = new DitSizes.Size("fixture", Integer.parseInt(a[0]), Integer.parseInt(a[1]),
                Integer.parseInt(a[2]), Integer.parseInt(a[3]));
        Dit dit = new Dit(size, Boolean.parseBoolean(a[4]), Integer.parseInt(a[5]), Integer.parseInt(a[6]),
                Integer.parseInt(a[7]));
        StateDict.load(dit, f.getAll(), "dit.", f.path());
        return dit;
    }

    @ParameterizedTest
    @ValueSource(strings = {"d1_w16_p2", "d1_w16_p4", "d2_w24_p2_qknorm", "d2_w24_p4_qknorm"})
    void oneTrainingStepMatchesPyTorch(String fixture) throws Exception {
        Path file = Path.of("src/test/resources/fixtures/dit/" + fixture + ".safetensors");
        try (SafetensorsFile f = Safetensors.read(file); StepScope s = StepScope.open()) {
            Dit dit = fromFixture(f);
            dit.train(true);
            Tensor z = Tensors.fromHost(f.get("z"));
            Tensor eps = Tensors.fromHost(f.get("eps"));
            Tensor t = Tensors.fromHost(f.get("t"));
            Tensor y = Tensors.fromHost(f.get("y"));
            VDenoiser denoiser = new VDenoiser(dit::forward, CosineSchedule.standard());
            double ev;
            try (NoGradGuard g = new NoGradGuard()) {
                Tensor v = dit.forward(denoiser.noised(z, eps, t), t, y);                // (2, 4, 8, 8)
                assertArrayEquals(new long[]{2, 4, 8, 8}, Tensors.shape(v));
                ev = relError(Tensors.toFloats(v), f.get("out.v").toFloats());
            }
            Tensor loss = denoiser.loss(z, eps, t, y);
            double el = relError(new float[]{loss.item_float()}, f.get("loss").toFloats());
            loss.backward();
            double worst = 0;
            String worstName = "";
            List<String> checked = new ArrayList<>();
            double largest = 0;                                                           // the largest gradient entry
            for (String n : f.names()) {
                if (n.startsWith("grad.")) {
                    largest = Math.max(largest, maxAbs(f.get(n).toFloats()));
                }
            }
            for (Map.Entry<String, Tensor> p : StateDict.parameters(dit).entrySet()) {
                if (!p.getValue().requires_grad()) {
                    continue;                                                             // pos_embed: fixed
                }
                float[] ref = f.get("grad." + p.getKey()).toFloats();
                float[] got = Tensors.toFloats(p.getValue().grad());
                // k_norm.bias: a constant added to every key shifts each query's logits alike, so its gradient is
                // 0 up to round-off on both sides; it must stay at round-off size
                double e = maxAbs(ref) < 1e-6 * largest ? maxAbs(got) / largest : relError(got, ref);
                if (e > worst) {
                    worst = e;
                    worstName = p.getKey();
                }
                checked.add(p.getKey());
            }
            long inFixture = f.names().stream().filter(n -> n.startsWith("grad.")).count();
            assertEquals(inFixture, checked.size(), "every gradient of the reference is compared");
            System.out.printf("DiT golden %s: rel error v %.2g, loss %.2g, worst of %d gradients %.2g (%s)%n", fixture, ev,
                    el, checked.size(), worst, worstName);
            assertTrue(ev < TOLERANCE, "v: " + ev);
            assertTrue(el < TOLERANCE, "loss: " + el);
            assertTrue(worst < TOLERANCE, "gradient of " + worstName + ": " + worst);
        }
    }

    @Test
    void parameterNamesAreDits() {
        Dit dit = new Dit(new DitSizes.Size("t", 2, 16, 2, 2), true, 10, 4, 8);
        List<String> names = new ArrayList<>(StateDict.tensors(dit).keySet());
        for (String n : List.of("x_embedder.proj.weight", "x_embedder.proj.bias", "pos_embed", "t_embedder.mlp.0.weight",
                "t_embedder.mlp.2.bias", "y_embedder.embedding_table.weight", "blocks.0.attn.qkv.weight",
                "blocks.0.attn.q_norm.weight", "blocks.0.attn.k_norm.bias", "blocks.1.attn.proj.weight",
                "blocks.1.mlp.fc1.weight", "blocks.1.mlp.fc2.bias", "blocks.0.adaLN_modulation.1.weight",
                "final_layer.linear.weight", "final_layer.adaLN_modulation.1.bias")) {
            assertTrue(names.contains(n), n + " in " + names);
        }
        assertEquals(10, dit.numClasses());
        assertEquals(11, StateDict.tensors(dit).get("y_embedder.embedding_table.weight").size(0), "plus the null class");
    }

    @Test
    void aFreshDitOutputsZeroWithFixedSinCosPositions() {
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(1);
            Dit dit = new Dit(new DitSizes.Size("t", 2, 16, 2, 2), false, 10, 4, 8);
            Tensor v = dit.forward(torch.randn(3, 4, 8, 8), torch.rand(3), torch.randint(11, new long[]{3}));
            assertEquals(0.0, v.abs().max().item_double(), "adaLN-Zero: the output starts at exactly zero");
            float[] pos = Tensors.toFloats(StateDict.tensors(dit).get("pos_embed"));     // (1, 16, 16): a 4x4 grid
            float[] expected = PosEmbed.sinCos2d(16, 4);
            assertArrayEquals(expected, pos);
            // token 1 is row 0, column 1: the first quarter is sin(1 * w_k), w_0 = 1; the third is sin(0)
            assertEquals(Math.sin(1.0), pos[16], 1e-7);
            assertEquals(0.0, pos[16 + 8], 1e-7);
        }
    }

    @Test
    void aLatentThatPatchesDoNotTileIsRejected() {
        assertThrows(LdmException.class, () -> new Dit(new DitSizes.Size("t", 1, 16, 2, 4), false, 10, 4, 6));
    }
}
