package ldm4j.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.autoencoder.VaeGanStep;
import ldm4j.config.ConfigResolver;
import ldm4j.config.UnetStageConfig;
import ldm4j.config.VaeConfig;
import ldm4j.distributed.Collective;
import ldm4j.io.DType;
import ldm4j.io.HostTensor;
import ldm4j.nn.Layers;
import ldm4j.nn.SelfAttention2d;
import ldm4j.nn.StateDict;
import ldm4j.train.AdamW;
import ldm4j.unet.UnetStep;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * The precision choice ({@code auto} reads the CPU's flags) and what bf16 autocast does to the
 * arithmetic: matrix products in bf16, normalisation statistics and softmax accumulated in fp32,
 * weights, gradients, optimizer state and losses in fp32.
 */
class PrecisionTest {
    static final Device CPU = new Device(torch.DeviceType.CPU);
    static final Precision BF16 = new Precision(true, torch.DeviceType.CPU, "test");

    static CpuFeatures cpu(String flags) {
        return CpuFeatures.parse("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: " + flags + "\nbogomips\t: 4000\n",
                "test cpuinfo");
    }

    @Test
    void autoTakesBf16OnlyWhereTheCpuHasIt() {
        assertEquals("avx512_bf16", cpu("fpu sse2 avx2 avx512f avx512_bf16").nativeBf16Flag());
        assertEquals("amx_bf16", cpu("avx512f amx_tile amx_bf16").nativeBf16Flag());
        assertNull(cpu("fpu sse2 avx2 avx512f").nativeBf16Flag());
        assertNull(CpuFeatures.parse("no flags line here", "x").nativeBf16Flag());

        Precision yes = Precision.resolve("auto", false, cpu("avx2 avx512f avx512_bf16"));
        assertTrue(yes.bf16());
        assertTrue(yes.reason().contains("avx512_bf16"), yes.reason());
        Precision no = Precision.resolve("auto", false, cpu("avx2 avx512f"));
        assertFalse(no.bf16());
        assertTrue(no.reason().contains("no native bf16"), no.reason());
        assertTrue(Precision.resolve("auto", true, null).bf16(), "CUDA");
        assertFalse(Precision.resolve("fp32", false, cpu("avx512_bf16")).bf16());
        Precision forced = Precision.resolve("bf16", false, cpu("avx2"));
        assertTrue(forced.bf16());
        assertTrue(forced.reason().contains("slower"), "bf16 without native support warns: " + forced.reason());
        LdmException e = assertThrows(LdmException.class, () -> Precision.resolve("fp16", false, cpu("avx2")));
        assertTrue(e.getMessage().contains("auto, fp32, bf16"), e.getMessage());
    }

    @Test
    void autocastRunsConvolutionsAndMatmulsInBf16AndRestoresTheThread() {
        try (StepScope s = StepScope.open()) {
            Tensor x = torch.randn(2, 8, 6, 6);
            Tensor w = torch.randn(4, 8, 3, 3);
            Tensor a = torch.randn(5, 7);
            Tensor b = torch.randn(7, 3);
            try (AutoCloseable scope = BF16.autocast()) {
                assertTrue(torch.is_autocast_enabled(torch.DeviceType.CPU));
                assertEquals(ScalarType.BFloat16.value, torch.conv2d(x, w).scalar_type().value);
                assertEquals(ScalarType.BFloat16.value, torch.matmul(a, b).scalar_type().value);
                assertEquals(ScalarType.Float.value, Precision.toFp32(torch.matmul(a, b)).scalar_type().value);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            assertFalse(torch.is_autocast_enabled(torch.DeviceType.CPU), "autocast is off again after the scope");
            assertEquals(ScalarType.Float.value, torch.conv2d(x, w).scalar_type().value);
            try (AutoCloseable scope = Precision.fp32(CPU).autocast()) {
                assertEquals(ScalarType.Float.value, torch.matmul(a, b).scalar_type().value, "fp32 never autocasts");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * GroupNorm on a bf16 activation with a large common offset (mean 8, spread 0.5): bf16 represents
     * numbers near 8 in steps of 1/16, so a mean or variance accumulated in bf16 would be off by a
     * sizeable fraction of the spread. libtorch accumulates in fp32: the output matches fp32 GroupNorm
     * of the same bf16 input to bf16's own rounding of the result. The same for softmax over long rows.
     */
    @Test
    void groupNormAndSoftmaxAccumulateInFp32UnderBf16() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(3);
            Tensor x = torch.randn(4, 64, 16, 16).mul(new Scalar(0.5)).add(new Scalar(8.0)).to(ScalarType.BFloat16);
            GroupNormImpl norm = Layers.groupNorm(32, 64);
            Tensor exact = norm.forward(x.to(ScalarType.Float));                            // fp32 statistics
            Tensor mixed;
            try (AutoCloseable scope = BF16.autocast()) {
                mixed = norm.forward(x);                                                    // bf16 input, fp32 weights
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            double err = mixed.to(ScalarType.Float).sub(exact).abs().max().item_double();
            assertTrue(err <= 0.02, "GroupNorm of bf16 input differs from fp32 statistics by " + err
                    + " (bf16 rounding of outputs up to ~4 is <= 0.016)");

        }
    }

    /**
     * ldm4j's attention block (GroupNorm, q k v projection, written-out softmax, output projection) over
     * 1024 tokens under bf16 autocast against the same block in fp32: the output stays within bf16's
     * rounding (an accumulation in bf16 over rows of 1024 weights would not), and it does differ
     * (bf16 is in effect). The block's output is fp32: the residual adds its fp32 input.
     */
    @Test
    void attentionBlockOverLongRowsUnderBf16StaysWithinBf16Rounding() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(5);
            SelfAttention2d block = new SelfAttention2d(32, 8, 4);
            Tensor x = torch.randn(2, 32, 32, 32).mul(new Scalar(2.0));                        // (B, C, H, W), 1024 tokens
            Tensor exact;
            Tensor mixed;
            try (NoGradGuard g = new NoGradGuard()) {
                exact = block.forward(x);                                                     // (B, C, H, W) fp32
                try (AutoCloseable scope = BF16.autocast()) {
                    mixed = block.forward(x);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                Tensor update = exact.sub(x);                                                 // the attention's contribution
                double err = mixed.to(ScalarType.Float).sub(exact).abs().max().item_double()
                        / update.abs().max().item_double();
                assertTrue(err < 0.05, "bf16 attention block vs fp32: relative error " + err);
                assertTrue(err > 1e-4, "bf16 attention block should differ from fp32 by bf16 rounding, got " + err);
            }
        }
    }

    /**
     * A UNet step under bf16 autocast: the loss equals fp32's within 1% at the same weights and inputs,
     * yet differs from it (bf16 is in effect: fp32 twice gives the same loss bit for bit), and after the
     * step every weight, gradient and EMA weight is still fp32.
     */
    @Test
    void unetStepUnderBf16KeepsFp32StateAndTheLoss() {
        UnetStageConfig uc = new ConfigResolver().resolve("tiny", null, List.of("data.resolution=32", "unet.model.channels=16",
                "unet.model.multipliers=[1,2]", "unet.model.resBlocks=1", "unet.model.attentionResolutions=[4]",
                "unet.model.headChannels=8", "unet.model.groups=4")).unet();
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(11);
            Tensor z0 = torch.randn(8, 4, 8, 8);
            Tensor eps = torch.randn(8, 4, 8, 8);
            Tensor t = torch.rand(8).mul(new Scalar(0.9)).add(new Scalar(0.05));
            Tensor y = torch.randint(10, new long[]{8});
            UnetStep fp32 = new UnetStep(uc, 4, 8, 10, 5, CPU, Precision.fp32(CPU), Collective.single());
            UnetStep bf16 = new UnetStep(uc, 4, 8, 10, 5, CPU, BF16, Collective.single());
            UnetStep fp32Again = new UnetStep(uc, 4, 8, 10, 5, CPU, Precision.fp32(CPU), Collective.single());
            for (UnetStep step : List.of(fp32, bf16, fp32Again)) {
                nonZeroOutput(step.unet()); // a fresh UNet outputs exactly 0 in any precision
            }
            Map<String, Double> a = fp32.run(0, z0, eps, t, y);
            Map<String, Double> b = bf16.run(0, z0, eps, t, y);
            assertEquals(a.get("loss"), fp32Again.run(0, z0, eps, t, y).get("loss"), 0.0, "the same weights and inputs");
            assertCloseButNotEqual(a, b, "loss", 1e-5, 0.01);
            assertCloseButNotEqual(a, b, "grad_norm", 1e-5, 0.05);
            for (Map.Entry<String, Tensor> e : StateDict.tensors(bf16.unet()).entrySet()) {
                assertEquals(ScalarType.Float.value, e.getValue().scalar_type().value, e.getKey());
                Tensor g = e.getValue().grad();
                if (g.defined()) {
                    assertEquals(ScalarType.Float.value, g.scalar_type().value, "gradient of " + e.getKey());
                }
            }
            for (Map.Entry<String, Tensor> e : StateDict.tensors(bf16.emaNet()).entrySet()) {
                assertEquals(ScalarType.Float.value, e.getValue().scalar_type().value, "EMA " + e.getKey());
            }
            assertFalse(torch.is_autocast_enabled(torch.DeviceType.CPU));
        }
    }

    /** The same random output convolution in every call (a fresh one is zero-initialised). */
    static void nonZeroOutput(org.bytedeco.pytorch.Module unet) {
        try (NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(17);
            Tensor w = StateDict.tensors(unet).get("conv_out.weight");
            w.copy_(torch.randn(Tensors.shape(w)).mul(new Scalar(0.1)));
        }
    }

    /** |b - a| / |a| of {@code key} lies in [low, high]: bf16 rounding, no more and no less. */
    static void assertCloseButNotEqual(Map<String, Double> a, Map<String, Double> b, String key, double low, double high) {
        assertCloseButNotEqual(a, b, key, low, high, 0);
    }

    /** As above, relative to max(|a|, scale): for a mean of terms that nearly cancel. */
    static void assertCloseButNotEqual(Map<String, Double> a, Map<String, Double> b, String key, double low, double high,
                                       double scale) {
        double rel = Math.abs(b.get(key) - a.get(key)) / Math.max(Math.abs(a.get(key)), scale);
        assertTrue(rel >= low && rel <= high, key + ": bf16 " + b.get(key) + " vs fp32 " + a.get(key) + ", relative difference "
                + rel + " outside [" + low + ", " + high + "]");
    }

    /**
     * A VAE-GAN step (autoencoder, then discriminator, both with AdamW) under bf16 autocast with every loss
     * term active: each term and both gradient norms equal fp32's within bf16 rounding yet differ from them;
     * weights, gradients and both optimizers' moments stay fp32.
     */
    @Test
    void vaeGanStepUnderBf16KeepsFp32StateAndTheLosses() {
        VaeConfig vc = new ConfigResolver().resolve("tiny", null, List.of("data.resolution=16",
                "vae.model.channels=8", "vae.model.multipliers=[1,2]", "vae.model.resBlocks=1", "vae.model.groups=4",
                "vae.model.patchSize=1", "vae.disc.channels=8", "vae.disc.layers=2", "vae.disc.groups=4",
                "vae.loss.advStart=0", "vae.loss.advWarmup=1", "vae.loss.klWarmup=1")).vae();
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(13);
            Tensor x = torch.rand(4, 3, 16, 16).mul(new Scalar(2.0)).sub(new Scalar(1.0));    // (B, 3, H, W) in [-1, 1]
            VaeGanStep fp32 = VaeGanStep.create(vc, 7, CPU, Precision.fp32(CPU));
            VaeGanStep bf16 = VaeGanStep.create(vc, 7, CPU, BF16);
            Map<String, Double> a = fp32.run(5, x, 1e-4, 1e-4, true);
            Map<String, Double> b = bf16.run(5, x, 1e-4, 1e-4, true);
            for (String k : List.of("adv", "fm", "disc_loss", "grad_norm_disc")) {
                assertTrue(a.get(k) != null && a.get(k) != 0, "every term active: " + k + " in " + a);
            }
            for (String k : List.of("loss", "rec", "kl", "fm", "disc_loss")) {
                assertCloseButNotEqual(a, b, k, 1e-6, 0.02);
            }
            // minus the mean logit of the reconstructions, which nearly cancels: relative to the logits' scale
            assertCloseButNotEqual(a, b, "adv", 1e-6, 0.02, 0.1);
            assertCloseButNotEqual(a, b, "grad_norm_vae", 1e-6, 0.05);
            assertCloseButNotEqual(a, b, "grad_norm_disc", 1e-6, 0.05);
            Map<String, Tensor> all = new LinkedHashMap<>();
            StateDict.tensors(bf16.vae()).forEach((k, v) -> all.put("vae." + k, v));
            StateDict.tensors(bf16.disc()).forEach((k, v) -> all.put("disc." + k, v));
            for (Map.Entry<String, Tensor> e : all.entrySet()) {
                assertEquals(ScalarType.Float.value, e.getValue().scalar_type().value, e.getKey());
                Tensor g = e.getValue().grad();
                if (g.defined()) {
                    assertEquals(ScalarType.Float.value, g.scalar_type().value, "gradient of " + e.getKey());
                }
            }
            for (AdamW opt : List.of(bf16.optVae(), bf16.optDisc())) {
                Map<String, HostTensor> state = opt.state("");
                assertTrue(state.size() > 1);
                for (Map.Entry<String, HostTensor> e : state.entrySet()) {
                    if (!e.getKey().equals("step")) {
                        assertEquals(DType.F32, e.getValue().dtype(), "optimizer state " + e.getKey());
                    }
                }
            }
            assertFalse(torch.is_autocast_enabled(torch.DeviceType.CPU));
        }
    }
}
