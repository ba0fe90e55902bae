package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.config.Config;
import ldm4j.config.ConfigException;
import ldm4j.config.Presets;
import org.junit.jupiter.api.Test;

class ClassBindingTest {
    static List<String> names(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("c" + i);
        }
        return out;
    }

    @Test
    void numClassesFollowsTheData() {
        List<String> notes = new ArrayList<>();
        for (int n : new int[]{3, 11, 12, 200}) {
            Config c = ClassBinding.bind(Presets.tiny(), names(n), false, notes::add);
            assertEquals(n, c.unet().model().numClasses(), "the embedding gets n + 1 rows, the last the null class");
            assertEquals(Presets.tiny().sample(), c.sample(), "guidance stays on for conditional data");
        }
        assertTrue(notes.get(0).contains("unet.model.numClasses = 3 from the data's 3 classes (the config said 10)"), notes.get(0));
        List<String> none = new ArrayList<>();
        ClassBinding.bind(Presets.tiny(), names(10), false, none::add);
        assertEquals(List.of(), none, "no note when they agree");
    }

    @Test
    void explicitContradictionIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClassBinding.bind(Presets.tiny(), names(12), true, s -> { }));
        assertTrue(e.getMessage().startsWith("unet.model.numClasses = 10 but the data has 12 classes [c0, c1"), e.getMessage());
    }

    @Test
    void oneClassIsUnconditional() {
        Config c = ClassBinding.bind(Presets.tiny(), List.of(ImageFolder.UNCONDITIONAL), false, s -> { });
        assertEquals(1, c.unet().model().numClasses());
        assertEquals(0.0, c.unet().diffusion().labelDropout());
        assertEquals(1.0, c.sample().cfg());
    }

    @Test
    void otherClassesAreRefusedNamingBothLists() {
        ClassBinding.requireSame("u.safetensors", List.of("a", "b"), "folder:x", List.of("a", "b"));
        LdmException e = assertThrows(LdmException.class,
                () -> ClassBinding.requireSame("u.safetensors", List.of("a", "b"), "folder:x", List.of("a", "c")));
        assertEquals("u.safetensors was trained on classes [a, b] but folder:x has classes [a, c]: use a new --run folder "
                + "for this data, or the data it was trained on", e.getMessage());
        assertEquals(List.of("x", "y"), ClassBinding.trainedClasses(Map.of("classes", "[\"x\",\"y\"]"), Path.of("f")));
    }
}
