package ldm4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import ldm4j.config.VaeLayout.Block;
import ldm4j.config.VaeLayout.Level;
import org.junit.jupiter.api.Test;

/** The autoencoder's topology, worked out by hand; the modules built from it are checked by VaeGoldenTest. */
class VaeLayoutTest {
    @Test
    void threeLevelsTwoBlocksEach() {
        // widths 16, 32, 64; patch size 2: 12 image channels
        VaeLayout l = VaeLayout.of(new AutoencoderConfig(16, List.of(1, 2, 4), 2, 4, true, 8, 2));
        assertEquals(12, l.imageChannels());
        assertEquals(4, l.latentChannels());
        assertEquals(16, l.firstWidth());
        assertEquals(64, l.midWidth());
        assertEquals(List.of(
                new Level(0, 16, List.of(new Block(16, 16), new Block(16, 16)), true),
                new Level(1, 32, List.of(new Block(16, 32), new Block(32, 32)), true),
                new Level(2, 64, List.of(new Block(32, 64), new Block(64, 64)), false)), l.down());
        // the mirror: from the middle's width down to w_0, upsampling after every level but up.0
        assertEquals(List.of(
                new Level(2, 64, List.of(new Block(64, 64), new Block(64, 64)), true),
                new Level(1, 32, List.of(new Block(64, 32), new Block(32, 32)), true),
                new Level(0, 16, List.of(new Block(32, 16), new Block(16, 16)), false)), l.up());
    }

    @Test
    void oneLevelOneBlockHasNoResampler() {
        VaeLayout l = VaeLayout.of(new AutoencoderConfig(8, List.of(3), 1, 2, false, 4, 1));
        assertEquals(3, l.imageChannels());
        assertEquals(List.of(new Level(0, 24, List.of(new Block(24, 24)), false)), l.down());
        assertEquals(List.of(new Level(0, 24, List.of(new Block(24, 24)), false)), l.up());
        assertEquals(24, l.midWidth());
    }
}
