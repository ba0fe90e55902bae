package ldm4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigResolverTest {
    private final ConfigResolver r = new ConfigResolver();

    @Test
    void presetsAreValidAndDistinct() {
        for (String name : Presets.names()) {
            Config c = r.resolve(name, null, List.of());
            assertEquals(name, c.preset());
            assertEquals(name.endsWith("256") ? 256 : 64, c.data().resolution(), name);
        }
        assertTrue(Presets.seed().data().workers() > Presets.tiny().data().workers());
    }

    @Test
    void setOverridesWithTypes() {
        Config c = r.resolve("tiny", null, List.of("data.resolution=32", "data.flip=false", "seed=42",
                "data.spec=folder:/x=y", "data.interpolation=bilinear"));
        assertEquals(32, c.data().resolution());
        assertEquals(false, c.data().flip());
        assertEquals(42, c.seed());
        assertEquals("folder:/x=y", c.data().spec());
        assertEquals("bilinear", c.data().interpolation());
    }

    @Test
    void unknownKeySuggestsTheClosest() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> r.resolve("tiny", null, List.of("data.resolutoin=32")));
        assertTrue(e.getMessage().contains("unknown config key 'data.resolutoin'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'data.resolution'"), e.getMessage());
        ConfigException e2 = assertThrows(ConfigException.class, () -> r.resolve("tiny", null, List.of("dat.workers=3")));
        assertTrue(e2.getMessage().contains("did you mean 'data.workers'"), e2.getMessage());
    }

    @Test
    void outOfRangeNamesKeyValueAndRange() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> r.resolve("tiny", null, List.of("data.workers=0")));
        assertEquals("data.workers = 0 is out of range: expected 1 <= data.workers <= 64", e.getMessage());
        ConfigException e2 = assertThrows(ConfigException.class,
                () -> r.resolve("tiny", null, List.of("data.interpolation=lanczos")));
        assertTrue(e2.getMessage().contains("'lanczos' is not allowed: expected one of bicubic, bilinear"), e2.getMessage());
        ConfigException e3 = assertThrows(ConfigException.class,
                () -> r.resolve("tiny", null, List.of("data.resolution=60")));
        assertTrue(e3.getMessage().contains("must be a multiple of 8"), e3.getMessage());
    }

    @Test
    void wrongTypesAndMalformedSets() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> r.resolve("tiny", null, List.of("data.resolution=big")));
        assertTrue(e.getMessage().contains("data.resolution") && e.getMessage().contains("expected an integer"), e.getMessage());
        ConfigException e2 = assertThrows(ConfigException.class, () -> r.resolve("tiny", null, List.of("seed")));
        assertTrue(e2.getMessage().contains("key.path=value"), e2.getMessage());
        ConfigException e3 = assertThrows(ConfigException.class, () -> r.resolve("tiny", null, List.of("data=3")));
        assertTrue(e3.getMessage().contains("unknown config key 'data'"), e3.getMessage());
        ConfigException e4 = assertThrows(ConfigException.class, () -> r.resolve("huge", null, List.of()));
        assertTrue(e4.getMessage().contains("unknown preset 'huge': expected one of tiny, seed"), e4.getMessage());
    }

    @Test
    void configFileMergesAndIsChecked(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("c.json"), "{\"seed\": 5, \"data\": {\"workers\": 3}}");
        Config c = r.resolve("seed", f, List.of("data.workers=4"));
        assertEquals(5, c.seed());
        assertEquals(4, c.data().workers(), "--set wins over the file");
        assertEquals(16, c.data().prefetch(), "untouched keys keep the preset's value");

        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"data\": {\"wokers\": 3}}");
        ConfigException e = assertThrows(ConfigException.class, () -> r.resolve("tiny", bad, List.of()));
        assertTrue(e.getMessage().startsWith(bad + ": unknown config key 'data.wokers'; did you mean 'data.workers'"),
                e.getMessage());

        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"seed\": 5,,}");
        ConfigException e2 = assertThrows(ConfigException.class, () -> r.resolve("tiny", broken, List.of()));
        assertTrue(e2.getMessage().startsWith(broken + ": invalid JSON at line 1"), e2.getMessage());

        ConfigException e3 = assertThrows(ConfigException.class, () -> r.resolve("tiny", dir.resolve("none.json"), List.of()));
        assertTrue(e3.getMessage().contains("does not exist"), e3.getMessage());
    }

    @Test
    void jsonRoundTripOfAResolvedConfig(@TempDir Path dir) throws IOException {
        Config c = r.resolve("tiny", null, List.of("seed=99", "data.spec=folder:/d"));
        String json = r.toJson(c);
        assertEquals(c, r.parse(json, "test"));
        Path f = Files.writeString(dir.resolve("config.json"), json);
        assertEquals(c, r.resolve("tiny", f, List.of()), "a run's config.json reproduces the run's config");
    }

    @Test
    void checkpointsWrittenBeforeLaterFieldsLoadAsTheyWereTrained() {
        Config c = r.resolve("tiny", null, List.of("unet.diffusion.scheduleShift=2"));
        String old = r.toJson(c).replaceAll(",\\s*\"instanceNoise\"\\s*:\\s*[0-9.eE-]+", "")
                .replaceAll(",\\s*\"patchSize\"\\s*:\\s*[0-9]+", "")
                .replaceAll(",\\s*\"scheduleShift\"\\s*:\\s*[0-9.eE-]+", "");
        assertTrue(!old.contains("instanceNoise") && !old.contains("patchSize") && !old.contains("scheduleShift"), old);
        Config parsed = r.parse(old, "an older checkpoint");
        assertEquals(0.0, parsed.vae().loss().instanceNoise(), "no instance noise before it existed");
        assertEquals(1, parsed.vae().model().patchSize(), "no pixel-unshuffle before it existed");
        assertEquals(1, parsed.unet().model().patchSize(), "no input patching of the UNet before it existed");
        assertEquals(1.0, parsed.unet().diffusion().scheduleShift(), "the plain cosine schedule before the shift existed");
        assertEquals(2.0, c.unet().diffusion().scheduleShift());
        assertTrue(c.vae().loss().instanceNoise() > 0 && c.vae().model().patchSize() == 2, "the preset has both");
    }

    @Test
    void editDistance() {
        assertEquals(0, ConfigResolver.editDistance("abc", "abc"));
        assertEquals(2, ConfigResolver.editDistance("resolutoin", "resolution"));
        assertEquals(3, ConfigResolver.editDistance("", "abc"));
    }
}
