package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import ldm4j.config.AutoencoderConfig;
import ldm4j.config.Config;
import ldm4j.config.Presets;
import ldm4j.config.VaeConfig;
import ldm4j.nn.StateDict;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.unet.Unet;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Shapes and state-dict names of the tiny preset's autoencoder and discriminator. */
class AutoencoderShapeTest {

    @Test
    void tinyPresetMaps64PixelsTo16AndBack() {
        torch.set_num_threads(2);
        VaeConfig c = Presets.tiny().vae();
        Autoencoder vae = new Autoencoder(c.model());
        PatchDiscriminator disc = new PatchDiscriminator(c.disc());
        System.out.printf("tiny preset: Autoencoder %d parameters (encoder %d, decoder %d), PatchDiscriminator %d%n",
                StateDict.parameterCount(vae), StateDict.parameterCount(vae.encoder()),
                StateDict.parameterCount(vae.decoder()), StateDict.parameterCount(disc));
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            Tensor x = torch.randn(2, 3, 64, 64);
            DiagonalGaussian post = vae.encode(x);
            assertArrayEquals(new long[]{2, 4, 16, 16}, Tensors.shape(post.mean()));
            assertArrayEquals(new long[]{2, 4, 16, 16}, Tensors.shape(post.logvar()));
            assertArrayEquals(new long[]{2, 3, 64, 64}, Tensors.shape(vae.decode(post.mode())));
            PatchDiscriminator.Output out = disc.forward(x);
            assertArrayEquals(new long[]{2, 1, 7, 7}, Tensors.shape(out.logits()));
            assertEquals(3, out.features().size());
            assertArrayEquals(new long[]{2, 32, 32, 32}, Tensors.shape(out.features().get(0)));
            assertArrayEquals(new long[]{2, 64, 16, 16}, Tensors.shape(out.features().get(1)));
            assertArrayEquals(new long[]{2, 128, 8, 8}, Tensors.shape(out.features().get(2)));
        }
    }

    @Test
    void presets256MapToFourBy32By32LatentsAndTheTiny256ModelsRunAt256Pixels() {
        torch.set_num_threads(2);
        for (String name : List.of("tiny256", "imagenet256")) {
            Config c = Presets.get(name);
            assertEquals(256, c.data().resolution(), name);
            assertEquals(8, c.vae().model().downsampleFactor(), name);
            assertEquals(4, c.vae().model().latentChannels(), name);
        }
        Config c = Presets.get("tiny256");
        Autoencoder vae = new Autoencoder(c.vae().model());
        PatchDiscriminator disc = new PatchDiscriminator(c.vae().disc());
        Unet unet = new Unet(c.unet().model(), 4, 32);
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            Tensor x = torch.randn(1, 3, 256, 256);
            DiagonalGaussian post = vae.encode(x);
            assertArrayEquals(new long[]{1, 4, 32, 32}, Tensors.shape(post.mean()));
            assertArrayEquals(new long[]{1, 3, 256, 256}, Tensors.shape(vae.decode(post.mode())));
            PatchDiscriminator.Output out = disc.forward(x);
            assertArrayEquals(new long[]{1, 1, 31, 31}, Tensors.shape(out.logits()));
            Tensor v = unet.forward(post.mode(), torch.rand(1), Tensors.fromLongs(new long[]{3}, 1));
            assertArrayEquals(new long[]{1, 4, 32, 32}, Tensors.shape(v));
        }
    }

    @Test
    void stateDictNamesFollowTheContract() {
        VaeConfig c = Presets.tiny().vae();
        // three levels, two blocks each, widths 16/32/64, patch size 1: every kind of name appears
        Set<String> vae = StateDict.tensors(new Autoencoder(
                new AutoencoderConfig(16, List.of(1, 2, 4), 2, 4, true, 8, 1))).keySet();
        for (String name : List.of("encoder.conv_in.weight", "encoder.down.0.res.0.norm1.weight",
                "encoder.down.0.res.0.conv1.weight", "encoder.down.1.res.0.skip.weight", "encoder.down.0.downsample.weight",
                "encoder.down.1.downsample.bias", "encoder.mid.res1.conv2.bias", "encoder.mid.attn.qkv.weight",
                "encoder.mid.attn.proj.bias", "encoder.mid.attn.norm.weight", "encoder.mid.res2.norm2.bias",
                "encoder.norm_out.weight", "encoder.conv_out.weight", "decoder.conv_in.weight", "decoder.mid.attn.qkv.bias",
                "decoder.up.2.res.0.conv1.weight", "decoder.up.2.upsample.conv.weight", "decoder.up.1.upsample.conv.bias",
                "decoder.up.0.res.0.skip.weight", "decoder.norm_out.bias", "decoder.conv_out.weight")) {
            assertTrue(vae.contains(name), name + " missing from " + vae);
        }
        assertFalse(vae.contains("encoder.down.2.downsample.weight"), "the last level does not downsample");
        assertFalse(vae.contains("decoder.up.0.upsample.conv.weight"), "level 0 does not upsample");
        assertFalse(vae.contains("encoder.down.0.res.0.skip.weight"), "no skip conv when widths agree");
        // the tiny preset pixel-unshuffles by 2: conv_in sees 3 * 2^2 channels, conv_out produces them
        var tiny = StateDict.tensors(new Autoencoder(c.model()));
        assertArrayEquals(new long[]{48, 12, 3, 3}, Tensors.shape(tiny.get("encoder.conv_in.weight")));
        assertArrayEquals(new long[]{12, 48, 3, 3}, Tensors.shape(tiny.get("decoder.conv_out.weight")));
        Set<String> disc = StateDict.tensors(new PatchDiscriminator(c.disc())).keySet();
        assertEquals(Set.of("blocks.0.conv.weight", "blocks.0.conv.bias", "blocks.1.conv.weight", "blocks.1.conv.bias",
                "blocks.1.norm.weight", "blocks.1.norm.bias", "blocks.2.conv.weight", "blocks.2.conv.bias",
                "blocks.2.norm.weight", "blocks.2.norm.bias", "out.weight", "out.bias"), disc);
    }
}
