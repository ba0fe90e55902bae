package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CheckpointKindTest {

    private static final Path FILE = Path.of("run", "unet.safetensors");

    @Test
    void acceptsTheKindAsked() {
        assertDoesNotThrow(() -> Checkpoints.requireKind(FILE, Map.of("format", "ldm4j", "kind", "unet"), "unet"));
    }

    @Test
    void namesWhatAnotherKindOfFileIs() {
        FormatException e = assertThrows(FormatException.class,
                () -> Checkpoints.requireKind(FILE, Map.of("format", "ldm4j", "kind", "vae"), "unet"));
        assertTrue(e.getMessage().contains(FILE.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("is a 'vae' checkpoint, but a 'unet' checkpoint is needed"), e.getMessage());
    }

    @Test
    void refusesAFileWithoutLdm4jMetadata() {
        for (Map<String, String> meta : new Map[]{Map.of(), Map.of("kind", "unet"), Map.of("format", "ldm4j"),
                Map.of("format", "other", "kind", "unet")}) {
            FormatException e = assertThrows(FormatException.class, () -> Checkpoints.requireKind(FILE, meta, "unet"),
                    meta.toString());
            assertTrue(e.getMessage().contains("is not an ldm4j checkpoint (no ldm4j metadata); expected a 'unet' file"),
                    e.getMessage());
        }
    }
}
