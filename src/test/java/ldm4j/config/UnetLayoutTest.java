package ldm4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import ldm4j.config.UnetLayout.Block;
import ldm4j.config.UnetLayout.Level;
import org.junit.jupiter.api.Test;

/** The UNet's topology, worked out by hand for a two-level UNet with two blocks per level. */
class UnetLayoutTest {
    /** Widths 16, 32; attention at side 4 (level 1 and the middle) with 8 channels per head. */
    private static final UnetConfig TWO_LEVELS = new UnetConfig(16, List.of(1, 2), 2, List.of(4), 8, 0.0, 4, 10);

    @Test
    void levelsBlocksSkipsAndAttentionOnAnEightByEightLatent() {
        UnetLayout l = UnetLayout.of(TWO_LEVELS, 8);
        assertEquals(64, l.embedDim());
        assertEquals(16, l.firstWidth());
        assertEquals(List.of(8, 4), l.sizes());
        // skips pushed on the way down: conv_in 16, down.0 blocks 16 16, downsample 16, down.1 blocks 32 32
        assertEquals(List.of(
                new Level(0, 8, 16, List.of(new Block(16, 0, 16, 8, 0), new Block(16, 0, 16, 8, 0)), true),
                new Level(1, 4, 32, List.of(new Block(16, 0, 32, 4, 4), new Block(32, 0, 32, 4, 4)), false)), l.down());
        assertEquals(new Block(32, 0, 32, 4, 4), l.mid());
        // popped on the way up, last pushed first: up.1 gets 32 32 16, up.0 gets 16 16 16
        assertEquals(List.of(
                new Level(1, 4, 32, List.of(new Block(32, 32, 32, 4, 4), new Block(32, 32, 32, 4, 4),
                        new Block(32, 16, 32, 4, 4)), true),
                new Level(0, 8, 16, List.of(new Block(32, 16, 16, 8, 0), new Block(16, 16, 16, 8, 0),
                        new Block(16, 16, 16, 8, 0)), false)), l.up());
        assertEquals(48, l.up().get(1).blocks().get(0).resIn());
    }

    @Test
    void theLatentMustBeAMultipleOfTheDownsampling() {
        assertEquals(4, UnetLayout.downsampleFactor(new UnetConfig(16, List.of(1, 2, 2), 1, List.of(), 8, 0.0, 4, 10)));
        ConfigException e = assertThrows(ConfigException.class,
                () -> UnetLayout.of(new UnetConfig(16, List.of(1, 2, 2), 1, List.of(), 8, 0.0, 4, 10), 6));
        assertTrue(e.getMessage().startsWith("latent size 6 is not divisible by 4 (unet.model.patchSize 1 x 2^2"),
                e.getMessage());
    }

    @Test
    void patchingRunsTheLevelsOnTheUnshuffledLatent() {
        UnetConfig patched = new UnetConfig("unet", 16, List.of(1, 2), 2, List.of(4), 8, 0.0, 4, 10, 2,
                UnetConfig.DEFAULT_DIT);
        assertEquals(4, UnetLayout.downsampleFactor(patched));
        UnetLayout l = UnetLayout.of(patched, 16);
        assertEquals(16, l.latentSize());
        assertEquals(8, l.patchedSize());
        assertEquals(16, l.patchChannels(4), "4 latent channels x 2^2");
        // the same levels as TWO_LEVELS on an 8x8 latent: patching only changes conv_in, conv_out and the side
        UnetLayout unpatched = UnetLayout.of(TWO_LEVELS, 8);
        assertEquals(unpatched.down(), l.down());
        assertEquals(unpatched.mid(), l.mid());
        assertEquals(unpatched.up(), l.up());
        ConfigException e = assertThrows(ConfigException.class, () -> UnetLayout.of(patched, 6));
        assertTrue(e.getMessage().startsWith("latent size 6 is not divisible by 4 (unet.model.patchSize 2 x 2^1")
                && e.getMessage().contains("a smaller unet.model.patchSize"), e.getMessage());
    }

    @Test
    void headChannelsMustDivideEveryWidthWithAttentionIncludingTheMiddle() {
        // no attention resolution occurs, but the middle (width 32) always attends: 12 does not divide it
        ConfigException mid = assertThrows(ConfigException.class,
                () -> UnetLayout.of(new UnetConfig(16, List.of(1, 2), 1, List.of(), 12, 0.0, 4, 10), 8));
        assertTrue(mid.getMessage().startsWith("unet.model.headChannels = 12 does not divide the width 32")
                && mid.getMessage().contains("(the middle block)"), mid.getMessage());
        // 32 is divisible by 32 (the middle) but level 0 (width 16) attends at side 8
        ConfigException level = assertThrows(ConfigException.class,
                () -> UnetLayout.of(new UnetConfig(16, List.of(1, 2), 1, List.of(8), 32, 0.0, 4, 10), 8));
        assertTrue(level.getMessage().startsWith("unet.model.headChannels = 32 does not divide the width 16"),
                level.getMessage());
        assertEquals(1, UnetLayout.of(new UnetConfig(16, List.of(1, 2), 1, List.of(), 32, 0.0, 4, 10), 8).mid().heads());
    }
}
