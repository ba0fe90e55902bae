package ldm4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** latents.dtype: bf16 or f32, with fp32 (the spelling of precision) read as f32 so caches keep one key. */
class LatentsConfigTest {
    @Test
    void fp32IsReadAsF32AndOtherTypesAreRefused() {
        ConfigResolver r = new ConfigResolver();
        assertEquals("f32", r.resolve("tiny256", null, List.of("latents.dtype=fp32")).latents().dtype());
        assertEquals("f32", r.resolve("tiny256", null, List.of("latents.dtype=f32")).latents().dtype());
        assertEquals("bf16", r.resolve("tiny256", null, List.of()).latents().dtype());
        ConfigException e = assertThrows(ConfigException.class, () -> r.resolve("tiny", null, List.of("latents.dtype=f16")));
        assertTrue(e.getMessage().contains("latents.dtype"), e.getMessage());
    }
}
