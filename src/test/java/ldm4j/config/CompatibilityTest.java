package ldm4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Combinations that cannot train are rejected when the config is resolved, naming the key to change. */
class CompatibilityTest {
    private final ConfigResolver r = new ConfigResolver();

    private String rejected(String... sets) {
        ConfigException e = assertThrows(ConfigException.class, () -> r.resolve("tiny", null, List.of(sets)));
        System.out.println("config-time check: --set " + String.join(" --set ", sets) + "\n  ldm4j: error: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void resolutionsFromThirtyTwoTo256ResolveWithTheTinyModels() {
        for (int res : new int[]{32, 64, 128}) {
            assertEquals(res, r.resolve("tiny", null, List.of("data.resolution=" + res)).data().resolution());
        }
        // at 256 px the latent is 64 and the UNet's maps 64, 32, 16: attention at 8 does not occur
        assertTrue(rejected("data.resolution=256").contains("contains 8 but the UNet's feature maps are [64, 32, 16]"));
        assertEquals(256, r.resolve("tiny", null, List.of("data.resolution=256", "unet.model.attentionResolutions=[16]"))
                .data().resolution());
    }

    @Test
    void vaeDownsamplingMustDivideTheResolution() {
        String m = rejected("data.resolution=40", "vae.model.multipliers=[1,1,1,1]");
        assertTrue(m.startsWith("data.resolution = 40 is not divisible by the VAE's downsampling factor 16"), m);
        String p = rejected("vae.model.patchSize=3");
        assertTrue(p.contains("downsampling factor 6") && p.contains("vae.model.patchSize"), p);
    }

    @Test
    void unetLevelsMustDivideTheLatent() {
        String m = rejected("data.resolution=40"); // latent 10, three levels need a multiple of 4
        assertTrue(m.startsWith("unet.model.multipliers [1, 2, 2] has 3 levels"), m);
        assertTrue(m.contains("latent is 10x10") && m.contains("use at most 2 unet.model.multipliers"), m);
        // tiny: 16x16 latents; patch 2 leaves 8x8 for three levels (fine), patch 8 leaves 2x2, which two halvings
        // cannot take (at most 2 levels), patch 3 does not divide 16
        assertEquals(2, new ConfigResolver().resolve("tiny", null, List.of("unet.model.patchSize=2")).unet().model().patchSize());
        String p = rejected("unet.model.patchSize=8");
        assertTrue(p.contains("times after unet.model.patchSize 8") && p.contains("latent is 16x16")
                && p.contains("use at most 2 unet.model.multipliers or a smaller unet.model.patchSize"), p);
        String q = rejected("unet.model.patchSize=3");
        assertTrue(q.contains("use a unet.model.patchSize dividing 16"), q);
    }

    @Test
    void attentionResolutionMustOccur() {
        String m = rejected("unet.model.attentionResolutions=[8,5]");
        assertTrue(m.startsWith("unet.model.attentionResolutions contains 5 but the UNet's feature maps are [16, 8, 4]"), m);
    }

    @Test
    void headChannelsMustDivideAttendedWidths() {
        String m = rejected("unet.model.headChannels=48");
        assertTrue(m.startsWith("unet.model.headChannels = 48 does not divide the width"), m);
    }

    @Test
    void discriminatorNeedsPixelsLeft() {
        String m = rejected("data.resolution=16", "unet.model.attentionResolutions=[4]", "vae.disc.layers=4");
        assertTrue(m.startsWith("vae.disc.layers = 4 halves data.resolution 16 to 1 pixels"), m);
    }

    @Test
    void bombLimitIsAConfigValue() {
        assertEquals(89_478_485L, r.resolve("tiny", null, List.of()).data().maxPixels());
        assertEquals(1000L, r.resolve("tiny", null, List.of("data.maxPixels=1000")).data().maxPixels());
        assertTrue(rejected("data.maxPixels=0").startsWith("data.maxPixels = 0 is out of range"));
    }

    @Test
    void oldRunConfigPassedWithConfigIsUpgradedLikeACheckpoints(@TempDir Path dir) throws IOException {
        ObjectNode old = r.toTree(Presets.tiny());
        ((ObjectNode) old.get("vae").get("model")).remove("patchSize");
        ((ObjectNode) old.get("data")).remove("maxPixels");
        ((ObjectNode) old.get("vae").get("model")).put("multipliers", r.toTree(Presets.tiny()).get("vae").get("model").get("multipliers"));
        Path file = Files.writeString(dir.resolve("config.json"), old.toPrettyString());
        Config fromFile = r.resolve("tiny", file, List.of());
        Config fromCheckpoint = r.parse(old.toString(), "checkpoint");
        assertEquals(1, fromFile.vae().model().patchSize(), "the old run had no pixel-unshuffle");
        assertEquals(fromCheckpoint, fromFile);
        assertEquals(DataConfig.DEFAULT_MAX_PIXELS, fromFile.data().maxPixels());
    }

    @Test
    void onlyArtifactSettingsMakeAStageStale() {
        Config base = Presets.tiny();
        Config cadence = r.override(base, List.of("data.workers=1", "data.prefetch=3", "vae.train.logEvery=7",
                "vae.train.evalEvery=9", "vae.train.checkpointEvery=5", "unet.train.logEvery=3", "threads=1", "device=cpu",
                "sample.steps=9", "latents.shardSize=5"));
        assertEquals(List.of(), ArtifactSettings.changed(base, cadence, ArtifactSettings.Stage.VAE));
        assertEquals(List.of(), ArtifactSettings.changed(base, cadence, ArtifactSettings.Stage.UNET));
        Config wider = r.override(base, List.of("vae.model.channels=64", "unet.train.lr=0.002"));
        assertEquals(List.of("vae.model.channels: 48 -> 64"), ArtifactSettings.changed(base, wider, ArtifactSettings.Stage.VAE));
        assertEquals(List.of("unet.train.lr: 0.001 -> 0.002"), ArtifactSettings.changed(base, wider, ArtifactSettings.Stage.UNET));
    }
}
