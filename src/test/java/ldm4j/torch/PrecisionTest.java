package ldm4j.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.config.ConfigResolver;
import ldm4j.config.UnetStageConfig;
import ldm4j.nn.Layers;
import ldm4j.nn.StateDict;
import ldm4j.unet.UnetStep;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GroupNormImpl;
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

            Tensor logits = torch.randn(8, 4096).mul(new Scalar(3.0)).to(ScalarType.BFloat16);
            Tensor p = torch.softmax(logits, 1);
            Tensor pExact = torch.softmax(logits.to(ScalarType.Float), 1);
            double rowSumErr = p.to(ScalarType.Float).sum(new long[]{1}, false, new org.bytedeco.pytorch.ScalarTypeOptional())
                    .sub(new Scalar(1.0)).abs().max().item_double();
            double relErr = p.to(ScalarType.Float).sub(pExact).abs().div(pExact.add(new Scalar(1e-30))).max().item_double();
            assertTrue(relErr <= 1.0 / 128, "softmax of bf16 logits: relative error " + relErr);
            assertTrue(rowSumErr <= 0.01, "softmax rows sum to 1 within " + rowSumErr);
        }
    }

    /**
     * A UNet step under bf16 autocast: the loss equals fp32's within 1% at the same weights and inputs,
     * and after the step every weight, gradient and EMA weight is still fp32.
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
            UnetStep fp32 = new UnetStep(uc, 4, 8, 10, 5, CPU, Precision.fp32(CPU), ldm4j.dist.Collective.single());
            UnetStep bf16 = new UnetStep(uc, 4, 8, 10, 5, CPU, BF16, ldm4j.dist.Collective.single());
            Map<String, Double> a = fp32.run(0, z0, eps, t, y);
            Map<String, Double> b = bf16.run(0, z0, eps, t, y);
            double rel = Math.abs(b.get("loss") - a.get("loss")) / a.get("loss");
            assertTrue(rel < 0.01, "bf16 loss " + b.get("loss") + " vs fp32 " + a.get("loss"));
            assertTrue(Math.abs(b.get("grad_norm") - a.get("grad_norm")) / a.get("grad_norm") < 0.05,
                    "gradient norm " + b.get("grad_norm") + " vs " + a.get("grad_norm"));
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
}
