package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import ldm4j.config.ConfigException;
import ldm4j.config.ConfigResolver;
import ldm4j.config.DataConfig;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code data.crop}: the default keeps the center-square transform for existing data, ADM's crop for ImageNet data. */
class CropModeTest {

    @Test
    void autoIsAdmForImagenetAndShardsOnly() {
        assertEquals("auto", new ConfigResolver().resolve("tiny", null, List.of()).data().crop());
        assertEquals("center", new DataConfig("cifar10", 32, "bicubic", true, 1, 1).cropMode());
        assertEquals("center", new DataConfig("folder:x", 32, "bicubic", true, 1, 1).cropMode());
        assertEquals("adm", new DataConfig("imagenet:/data/in1k", 256, "bicubic", true, 1, 1).cropMode());
        assertEquals("adm", new DataConfig("wds:/s/train-{0..9}.tar", 256, "bicubic", true, 1, 1).cropMode());
        assertEquals("adm", new ConfigResolver().resolve("tiny", null, List.of("data.crop=adm")).data().cropMode());
        assertEquals("center", new ConfigResolver().resolve("tiny", null,
                List.of("data.spec=imagenet:/x", "data.crop=center")).data().cropMode());
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ConfigResolver().resolve("tiny", null, List.of("data.crop=random")));
        assertTrue(e.getMessage().startsWith("data.crop = 'random' is not allowed"), e.getMessage());
    }

    @Test
    void olderConfigWithoutCropReadsAsAuto() {
        ConfigResolver r = new ConfigResolver();
        ObjectNode tree = r.toTree(r.resolve("tiny", null, List.of()));
        ((ObjectNode) tree.get("data")).remove("crop");
        assertEquals("center", r.parse(tree.toString(), "old").data().cropMode());
    }

    @Test
    void admTransformIsTheCropScaledToPlusMinusOneAndFlipped() {
        Path dir = AdmCropTest.DIR;
        RawImage in = AdmCropTest.DECODER.decode(dir.resolve("landscape_odd.in.png"));
        RawImage want = AdmCropTest.DECODER.decode(dir.resolve("landscape_odd.out.png")); // (3, 32, 32)
        Transform t = new Transform(32, "bicubic", "adm");
        float[] out = t.apply(List.of(in, in), new boolean[]{false, true});
        int r = 32;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < r; y++) {
                for (int x = 0; x < r; x++) {
                    float v = (want.planes()[(c * r + y) * r + x] & 255) / 127.5f - 1f;
                    assertEquals(v, out[(c * r + y) * r + x], 0f);
                    assertEquals(v, out[3 * r * r + (c * r + y) * r + (r - 1 - x)], 0f);
                }
            }
        }
        assertEquals("adm", t.resampling());
        assertEquals("bicubic", new Transform(32, "bicubic").resampling()); // latent caches of center runs stay valid
    }
}
