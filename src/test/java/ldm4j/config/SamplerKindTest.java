package ldm4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import ldm4j.bench.Flops;
import ldm4j.diffusion.Samplers;
import ldm4j.diffusion.TimeGrid;
import org.junit.jupiter.api.Test;

/** The sampler registry is what validation, the functions, the FLOP count and the help read. */
class SamplerKindTest {
    @Test
    void everySamplerHasAFunctionACallCountAndASpacing() {
        assertEquals(List.of("ddim", "dpmpp2m", "heun"), SamplerKind.keys());
        for (SamplerKind k : SamplerKind.values()) {
            Samplers.byName(k.key(), 0.0);
            assertEquals(7L * k.callsPerStep(), Flops.evaluations(k.key(), 7), k.key());
            assertEquals(TimeGrid.byName(k.autoSpacing(), k.key()), TimeGrid.defaultFor(k.key()), k.key());
        }
        assertEquals(2, SamplerKind.HEUN.callsPerStep(), "Heun: an Euler step and its correction");
        assertEquals(TimeGrid.Spacing.UNIFORM_LOGSNR, TimeGrid.defaultFor("dpmpp2m"));
    }

    @Test
    void unknownNamesAreRefusedWithTheList() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigResolver().resolve("tiny", null, List.of("sample.sampler=euler")));
        assertTrue(e.getMessage().contains("sample.sampler = 'euler' is not allowed: expected one of ddim, dpmpp2m, heun"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Samplers.byName("euler", 0.0));
    }
}
