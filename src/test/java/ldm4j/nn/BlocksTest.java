package ldm4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The shared blocks in their two configurations (autoencoder: no time embedding, default init; UNet:
 * time-conditioned, zero-initialised output layers): state-dict names, identity at initialisation, the
 * embedding contract, and a level's ownership of its inputs. The golden tests (VaeGoldenTest, UnetTest)
 * check the functions against PyTorch.
 */
class BlocksTest {

    @Test
    void stateDictNamesOfBothResBlockConfigurations() {
        ResBlock plain = new ResBlock(8, 16, 4, 0.0);
        ResBlock timed = ResBlock.timeConditioned(8, 8, 32, 4, 0.1);
        assertEquals(List.of("norm1.weight", "norm1.bias", "conv1.weight", "conv1.bias", "norm2.weight", "norm2.bias",
                "conv2.weight", "conv2.bias", "skip.weight", "skip.bias"), List.copyOf(StateDict.tensors(plain).keySet()));
        assertEquals(List.of("norm1.weight", "norm1.bias", "conv1.weight", "conv1.bias", "emb_proj.weight", "emb_proj.bias",
                "norm2.weight", "norm2.bias", "conv2.weight", "conv2.bias"), List.copyOf(StateDict.tensors(timed).keySet()));
        assertEquals(List.of("norm.weight", "norm.bias", "qkv.weight", "qkv.bias", "proj.weight", "proj.bias"),
                List.copyOf(StateDict.tensors(new SelfAttention2d(8, 4, 2)).keySet()));
    }

    @Test
    void theUnetsBlocksStartAsIdentityTheAutoencodersDoNot() {
        torch.manual_seed(0);
        ResBlock timed = ResBlock.timeConditioned(8, 8, 32, 4, 0.0);
        SelfAttention2d zero = SelfAttention2d.zeroProjected(8, 4, 2);
        ResBlock plain = new ResBlock(8, 8, 4, 0.0);
        SelfAttention2d attention = new SelfAttention2d(8, 4, 2);
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            Tensor x = torch.randn(2, 8, 4, 4);
            Tensor emb = torch.randn(2, 32);
            assertTrue(torch.equal(timed.forward(x, emb), x), "zero conv2: res(x) = x");
            assertTrue(torch.equal(zero.forward(x), x), "zero proj: attn(x) = x");
            assertFalse(torch.equal(plain.forward(x), x));
            assertFalse(torch.equal(attention.forward(x), x));
        }
    }

    @Test
    void theEmbeddingIsRequiredExactlyWhenTheBlockHasOne() {
        ResBlock plain = new ResBlock(4, 4, 2, 0.0);
        ResBlock timed = ResBlock.timeConditioned(4, 4, 6, 2, 0.0);
        try (StepScope s = StepScope.open()) {
            Tensor x = torch.randn(1, 4, 2, 2);
            Tensor emb = torch.randn(1, 6);
            assertThrows(IllegalArgumentException.class, () -> plain.forward(x, emb));
            assertThrows(IllegalArgumentException.class, () -> timed.forward(x));
            assertArrayEquals(new long[]{1, 4, 2, 2}, Tensors.shape(timed.forward(x, emb)));
        }
        assertThrows(IllegalArgumentException.class, () -> new ResBlock(4, 4, 2, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new SelfAttention2d(6, 2, 4));
    }

    @Test
    void aLevelsBlocksAndResamplers() {
        Level down = new Level().add(new ResBlock(4, 8, 2, 0.0), null).add(new ResBlock(8, 8, 2, 0.0), null);
        down.downsample(8);
        Level up = new Level().add(new ResBlock(16, 8, 2, 0.0), new SelfAttention2d(8, 2, 1));
        up.upsample(8);
        Level flat = new Level().add(new ResBlock(4, 4, 2, 0.0), null);
        assertThrows(IllegalArgumentException.class, () -> flat.add(new ResBlock(4, 4, 2, 0.0), new SelfAttention2d(4, 2, 1)),
                "attention all or none");
        assertEquals(List.of("res.0.norm1.weight", "res.0.norm1.bias"), List.copyOf(StateDict.tensors(down).keySet()).subList(0, 2));
        assertTrue(StateDict.tensors(down).containsKey("downsample.weight"));
        assertTrue(StateDict.tensors(up).containsKey("attn.0.qkv.weight") && StateDict.tensors(up).containsKey("upsample.conv.weight"));
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            Tensor x = torch.randn(2, 4, 8, 8);
            Tensor h = down.block(0, x, null);
            assertFalse(x.isNull(), "a block leaves its input alone (it may be a skip)");
            assertArrayEquals(new long[]{2, 8, 8, 8}, Tensors.shape(h));
            assertArrayEquals(new long[]{2, 8, 4, 4}, Tensors.shape(down.resample(h)));
            Tensor skip = torch.randn(2, 8, 4, 4);
            Tensor low = torch.randn(2, 8, 4, 4);
            Tensor out = up.block(0, low, skip, null);
            assertFalse(low.isNull() || skip.isNull(), "a skip block leaves h and the skip to their owner");
            assertArrayEquals(new long[]{2, 8, 8, 8}, Tensors.shape(up.resample(out)));
            assertSame(out, flat.resample(out), "no resampler: h itself");
            Tensor in = torch.randn(2, 4, 8, 8);
            assertArrayEquals(new long[]{2, 8, 4, 4}, Tensors.shape(down.forward(in)));
            assertFalse(in.isNull(), "forward leaves its input to its owner");
        }
    }
}
