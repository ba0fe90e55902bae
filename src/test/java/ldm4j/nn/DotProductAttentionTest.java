package ldm4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ldm4j.torch.Precision;
import ldm4j.torch.StepScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/**
 * The attention written out in {@link SelfAttention2d#attention}: in fp32 it is
 * {@code scaled_dot_product_attention} (and the definition in double precision); under bf16 autocast
 * its two products and the softmax's output are bf16 (the softmax accumulates in fp32), and the result
 * stays within bf16 rounding of the exact one. Inputs with unequal heads, positions and head size, and logits large enough that a wrong
 * scale or a transposed product shows.
 */
class DotProductAttentionTest {
    static final Precision BF16 = new Precision(true, torch.DeviceType.CPU, "test");

    /** softmax(q k^T / sqrt(d)) v in double precision. */
    static Tensor exact(Tensor q, Tensor k, Tensor v) {
        Tensor qd = q.to(ScalarType.Double), kd = k.to(ScalarType.Double), vd = v.to(ScalarType.Double);
        Tensor scores = torch.matmul(qd, kd.transpose(-2, -1)).div(new Scalar(Math.sqrt(q.size(-1))));
        return torch.matmul(torch.softmax(scores, -1), vd);
    }

    static double relErr(Tensor a, Tensor exact) {
        return a.to(ScalarType.Double).sub(exact).abs().max().item_double() / exact.abs().max().item_double();
    }

    @Test
    void equalsTheDefinitionAndScaledDotProductAttentionInFp32() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(11);
            Tensor q = torch.randn(2, 3, 20, 8).mul(new Scalar(3.0));                     // (B, heads, T, d)
            Tensor k = torch.randn(2, 3, 20, 8).mul(new Scalar(3.0));
            Tensor v = torch.randn(2, 3, 20, 8);
            Tensor o = SelfAttention2d.attention(q, k, v);
            assertEquals(ScalarType.Float.value, o.scalar_type().value);
            double vsExact = relErr(o, exact(q, k, v));
            double vsSdpa = relErr(o, torch.scaled_dot_product_attention(q, k, v).to(ScalarType.Double));
            assertTrue(vsExact < 1e-5, "fp32 attention vs double definition: " + vsExact);
            assertTrue(vsSdpa < 1e-5, "fp32 attention vs scaled_dot_product_attention: " + vsSdpa);
        }
    }

    @Test
    void productsAndWeightsInBf16UnderAutocast() throws Exception {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(12);
            Tensor q = torch.randn(2, 3, 64, 32).mul(new Scalar(1.5));                    // (B, heads, T, d)
            Tensor k = torch.randn(2, 3, 64, 32).mul(new Scalar(1.5));                    // logits ~ N(0, 2.25^2)
            Tensor v = torch.randn(2, 3, 64, 32);
            Tensor o;
            try (AutoCloseable scope = BF16.autocast()) {
                o = SelfAttention2d.attention(q, k, v);
                Tensor logits = torch.matmul(q, k.transpose(-2, -1));
                assertEquals(ScalarType.BFloat16.value, logits.scalar_type().value, "q k^T runs in bf16");
                assertEquals(ScalarType.BFloat16.value, torch.softmax(logits, -1).scalar_type().value,
                        "softmax of bf16 logits gives bf16 weights (accumulated in fp32: PrecisionTest), as the product with v takes them");
            }
            assertEquals(ScalarType.BFloat16.value, o.scalar_type().value, "the product with v runs in bf16");
            double err = relErr(o, exact(q, k, v));
            // bf16 keeps 8 significant bits: logits up to ~8 are rounded in steps of 1/32 (weights move by
            // up to ~1.5%, mostly averaging out over the 64 values), then the weights and the product are rounded
            assertTrue(err < 0.02, "bf16 attention vs double definition: relative error " + err);
            assertTrue(err > 1e-4, "bf16 attention should differ from the exact one by bf16 rounding, got " + err);
        }
    }
}
