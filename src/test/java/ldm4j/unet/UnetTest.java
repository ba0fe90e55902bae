package ldm4j.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ldm4j.config.UnetConfig;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.nn.StateDict;
import ldm4j.nn.TimestepEmbedding;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Golden tests against scripts/reference/unet_reference.py (fixtures written by
 * scripts/fixtures/make_unet_fixtures.py), plus structural properties of the UNet.
 */
class UnetTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/unet/unet_small.safetensors");
    /** The fixture's architecture (see the fixture script). */
    static final UnetConfig SMALL = new UnetConfig(16, List.of(1, 2), 1, List.of(4), 8, 0.0, 4, 10);

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

    static Tensor load(SafetensorsFile f, String name) {
        return Tensors.fromHost(f.get(name));
    }

    static Unet loadSmall(SafetensorsFile f) {
        Unet unet = new Unet(SMALL, 4, 8);
        StateDict.load(unet, f.getAll(), "unet.", f.path());
        unet.train(false);
        return unet;
    }

    @Test
    void forwardMatchesPyTorch() throws Exception {
        try (SafetensorsFile f = Safetensors.read(FIXTURE); StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            Unet unet = loadSmall(f);
            Tensor x = load(f, "x"); // (2, 4, 8, 8)
            Tensor out = unet.forward(x, load(f, "t"), load(f, "y")); // (2, 4, 8, 8)
            assertArrayEquals(new long[]{2, 4, 8, 8}, Tensors.shape(out));
            double e1 = relError(Tensors.toFloats(out), f.get("output").toFloats());
            Tensor out2 = unet.forward(x, load(f, "t2"), load(f, "y2")); // (2, 4, 8, 8)
            double e2 = relError(Tensors.toFloats(out2), f.get("output2").toFloats());
            System.out.printf("UNet golden forward: max rel error %.3g (t = 0.1, 0.77), %.3g (t = 1e-4, 0.9999)%n", e1, e2);
            assertTrue(e1 < 1e-4, "rel error " + e1);
            assertTrue(e2 < 1e-4, "rel error " + e2);
            assertTrue(relError(Tensors.toFloats(out), Tensors.toFloats(out2)) > 0.01, "t and y change the output");
        }
    }

    /**
     * The input-patched UNet (patchSize 2, fixture unet_patch2): the output and the gradient of sum(output * w) for
     * the input and every parameter, so that the pixel-unshuffle's channel order shows in both directions.
     */
    @Test
    void patchedForwardAndGradientsMatchPyTorch() throws Exception {
        Path file = Path.of("src/test/resources/fixtures/unet/unet_patch2.safetensors");
        UnetConfig patched = new UnetConfig("unet", 16, List.of(1, 2), 1, List.of(2), 8, 0.0, 4, 10, 2,
                UnetConfig.DEFAULT_DIT);
        try (SafetensorsFile f = Safetensors.read(file); StepScope s = StepScope.open()) {
            Unet unet = new Unet(patched, 4, 8);
            StateDict.load(unet, f.getAll(), "unet.", f.path());
            unet.train(false);
            Tensor x = load(f, "x").requires_grad_(true);                               // (2, 4, 8, 8)
            Tensor out = unet.forward(x, load(f, "t"), load(f, "y"));                    // (2, 4, 8, 8)
            assertArrayEquals(new long[]{2, 4, 8, 8}, Tensors.shape(out));
            double eOut = relError(Tensors.toFloats(out), f.get("output").toFloats());
            out.mul(load(f, "w")).sum().backward();
            double eX = relError(Tensors.toFloats(x.grad()), f.get("grad_x").toFloats());
            double worst = 0;
            String worstName = "";
            Map<String, Tensor> params = StateDict.parameters(unet);
            for (Map.Entry<String, Tensor> p : params.entrySet()) {
                double e = relError(Tensors.toFloats(p.getValue().grad()), f.get("grad." + p.getKey()).toFloats());
                if (e > worst) {
                    worst = e;
                    worstName = p.getKey();
                }
            }
            assertEquals(f.names().stream().filter(n -> n.startsWith("grad.")).count(), params.size(),
                    "every gradient of the reference is compared");
            System.out.printf("UNet patch 2 golden: rel error output %.3g, input gradient %.3g, worst of %d parameter "
                    + "gradients %.3g (%s)%n", eOut, eX, params.size(), worst, worstName);
            assertTrue(eOut < 1e-4, "output: " + eOut);
            assertTrue(eX < 1e-4, "input gradient: " + eX);
            assertTrue(worst < 1e-4, "gradient of " + worstName + ": " + worst);
        }
    }

    @Test
    void embeddingMatchesPyTorch() throws Exception {
        try (SafetensorsFile f = Safetensors.read(FIXTURE); StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            Unet unet = loadSmall(f);
            Tensor t = load(f, "t");
            Tensor sin = TimestepEmbedding.sinusoidal(t, 16); // (2, 16)
            assertArrayEquals(new long[]{2, 16}, Tensors.shape(sin));
            double eSin = relError(Tensors.toFloats(sin), f.get("sinusoidal").toFloats());
            TimestepEmbedding te = unet.timeEmbedding();
            double eTemb = relError(Tensors.toFloats(te.forward(t)), f.get("temb").toFloats());
            double eEmb = relError(Tensors.toFloats(unet.embedding(t, load(f, "y"))), f.get("emb").toFloats());
            System.out.printf("UNet golden embedding: max rel error sinusoidal %.3g, time_embed %.3g, time+class %.3g%n",
                    eSin, eTemb, eEmb);
            assertTrue(eSin < 1e-5 && eTemb < 1e-4 && eEmb < 1e-4);
            // the documented formula: cos first; at t = 0.1, k = 0 the argument is 1000 * 0.1 = 100
            float[] v = Tensors.toFloats(sin);
            assertEquals(Math.cos(100.0), v[0], 1e-4);
            assertEquals(Math.sin(100.0), v[8], 1e-4);
        }
    }

    @Test
    void freshUnetOutputsZeroButLearns() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(0);
            Unet unet = new Unet(SMALL, 4, 8);
            Tensor x = torch.randn(2, 4, 8, 8);
            Tensor t = Tensors.fromFloats(new float[]{0.3f, 0.9f}, 2);
            Tensor y = Tensors.fromLongs(new long[]{1, 10}, 2);
            Tensor out = unet.forward(x, t, y); // (2, 4, 8, 8)
            assertEquals(0f, out.abs().max().item_float(), "zero-initialised conv_out gives exactly 0");
            torch.mse_loss(out, torch.randn(2, 4, 8, 8)).backward();
            Map<String, Tensor> p = StateDict.tensors(unet);
            assertTrue(p.get("conv_out.weight").grad().abs().max().item_float() > 0, "conv_out.weight has a gradient");
            assertTrue(p.get("conv_out.bias").grad().abs().max().item_float() > 0, "conv_out.bias has a gradient");
        }
    }

    @Test
    void outputHasTheInputShape() {
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            UnetConfig c = new UnetConfig(16, List.of(1, 2, 2), 1, List.of(8, 4), 8, 0.0, 4, 10);
            Unet unet = new Unet(c, 3, 16);
            Tensor out = unet.forward(torch.randn(3, 3, 16, 16), torch.rand(3),
                    Tensors.fromLongs(new long[]{0, 5, 10}, 3)); // (3, 3, 16, 16)
            assertArrayEquals(new long[]{3, 3, 16, 16}, Tensors.shape(out));
            // attention only where the feature map is 8x8 or 4x4: levels 1 and 2, not level 0 (16x16)
            Map<String, Tensor> p = StateDict.tensors(unet);
            assertTrue(p.containsKey("down.1.attn.0.qkv.weight") && p.containsKey("up.2.attn.1.proj.weight"));
            assertFalse(p.containsKey("down.0.attn.0.qkv.weight") || p.containsKey("up.0.attn.0.qkv.weight"));
            assertFalse(p.containsKey("down.2.downsample.weight") || p.containsKey("up.0.upsample.conv.weight"));
        }
    }

    @Test
    void parameterCountMatchesTheReference() {
        try (StepScope s = StepScope.open()) {
            UnetConfig c = new UnetConfig(64, List.of(1, 2, 2), 2, List.of(8), 32, 0.1, 32, 10);
            long n = StateDict.parameterCount(new Unet(c, 4, 16));
            System.out.println("UNet parameters (channels 64, [1, 2, 2], 2 res blocks, attention at 8, "
                    + "32 head channels, 10 classes, 4 latent channels): " + n);
            assertEquals(6_476_164L, n, "count printed by scripts/fixtures/make_unet_fixtures.py");
        }
    }

    @Test
    void dropoutOnlyInTrainMode() {
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(3);
            Unet unet = new Unet(new UnetConfig(16, List.of(1, 2), 1, List.of(4), 8, 0.1, 4, 10), 4, 8);
            for (Tensor p : StateDict.tensors(unet).values()) { // undo the zero-init, else dropout cannot show
                if (p.abs().max().item_float() == 0) {
                    p.normal_(0.0, 0.05, null);
                }
            }
            Tensor x = torch.randn(2, 4, 8, 8);
            Tensor t = Tensors.fromFloats(new float[]{0.2f, 0.6f}, 2);
            Tensor y = Tensors.fromLongs(new long[]{2, 10}, 2);
            unet.train(false);
            assertTrue(unet.forward(x, t, y).equal(unet.forward(x, t, y)), "eval mode is deterministic");
            unet.train(true);
            assertFalse(unet.forward(x, t, y).equal(unet.forward(x, t, y)), "train mode applies dropout");
        }
    }

    @Test
    void wrongArchitectureIsNamed() throws Exception {
        try (SafetensorsFile f = Safetensors.read(FIXTURE); StepScope s = StepScope.open()) {
            Map<String, HostTensor> weights = f.getAll();
            FormatException names = assertThrows(FormatException.class, () -> StateDict.load(
                    new Unet(new UnetConfig(16, List.of(1, 2), 2, List.of(4), 8, 0.0, 4, 10), 4, 8),
                    weights, "unet.", f.path()));
            assertTrue(names.getMessage().contains("down.0.res.1.conv1.weight"), names.getMessage());
            FormatException shapes = assertThrows(FormatException.class, () -> StateDict.load(
                    new Unet(new UnetConfig(32, List.of(1, 2), 1, List.of(4), 8, 0.0, 4, 10), 4, 8),
                    weights, "unet.", f.path()));
            assertTrue(shapes.getMessage().contains("unet.time_embed.0.weight is [64, 16] but the model has [128, 32]"),
                    shapes.getMessage());
        }
    }

    @Test
    void badGeometryIsRejected() { // an input error (exit 2), not an internal one
        ldm4j.LdmException size = assertThrows(ldm4j.LdmException.class,
                () -> new Unet(new UnetConfig(16, List.of(1, 2, 2), 1, List.of(4), 8, 0.0, 4, 10), 4, 6));
        assertTrue(size.getMessage().contains("latent size 6"), size.getMessage());
        ldm4j.LdmException heads = assertThrows(ldm4j.LdmException.class,
                () -> new Unet(new UnetConfig(16, List.of(1, 2), 1, List.of(4), 12, 0.0, 4, 10), 4, 8));
        assertTrue(heads.getMessage().contains("unet.model.headChannels = 12"), heads.getMessage());
    }
}
