package ldm4j.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ldm4j.io.PngText;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Tag;

/**
 * {@code sample --from-png} and {@code --init} take files from anywhere: edited settings must pass
 * the checks typed-in options pass (exit 2, one line naming the PNG and the setting), damaged text
 * chunks and decompression bombs are refused before any work.
 */
@Tag("slow") // child processes or a trained run: left out of ./mvnw test -Pfast
class FromPngValidationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static Path run;
    static Path original;

    @BeforeAll
    static void sample() {
        run = TinyRun.shared();
        original = dir.resolve("grid.png");
        String[] r = TinyRun.cli("sample", "--run", run.toString(), "--class", "red", "--n", "2", "--steps", "2", "--seed", "3",
                "--out", original.toString());
        assertEquals("0", r[0], r[1] + r[2]);
    }

    /** A copy of the grid whose settings JSON has {@code field} set to {@code value} (valid CRCs). */
    static Path edited(String name, String field, Object value) throws Exception {
        Map<String, String> text = new LinkedHashMap<>(PngText.read(original));
        ObjectNode s = (ObjectNode) JSON.readTree(text.get("ldm4j"));
        s.set(field, JSON.valueToTree(value));
        text.put("ldm4j", JSON.writeValueAsString(s));
        Path out = dir.resolve(name + ".png");
        BufferedImage img = ImageIO.read(original.toFile());
        PngText.write(img, text, out);
        return out;
    }

    static String[] fromPng(Path png) {
        return TinyRun.cli("sample", "--run", run.toString(), "--from-png", png.toString(), "--out",
                dir.resolve("again.png").toString());
    }

    /** Exit 2 and one error line that names the file and the setting. */
    static void refused(Path png, String field, String[] r) {
        assertEquals("2", r[0], png + ": " + r[1] + r[2]);
        List<String> lines = r[2].lines().filter(l -> l.startsWith("ldm4j: error: ")).toList();
        assertEquals(1, lines.size(), r[2]);
        assertTrue(lines.get(0).contains(png.toString()) && lines.get(0).contains("'" + field + "'"), lines.get(0));
        assertFalse(Files.exists(dir.resolve("again.png")), "nothing written");
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)      // unchecked, steps = 10^9 runs for days
    void editedSettingsAreCheckedAsTypedInOptions() throws Exception {
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            classes.add("red");
        }
        Object[][] cases = {
                {"cfg", 1e308}, {"steps", 1_000_000_000}, {"classes", classes}, {"batchSize", -5}, {"sampler", "evil"},
                {"spacing", "x"}, {"guidanceLow", 2}, {"gridColumns", 0}, {"seed", -1}, {"eta", 7}, {"width", 4096},
                {"precision", "fp64"},
        };
        for (Object[] c : cases) {
            Path png = edited("bad-" + c[0], (String) c[0], c[1]);
            refused(png, (String) c[0], fromPng(png));
        }
        Path unknown = edited("unknown-class", "classes", List.of("purple", "red"));
        String[] r = fromPng(unknown);
        assertEquals("2", r[0], r[2]);
        assertTrue(r[2].contains(unknown + ": its settings are refused: unknown class 'purple'"), r[2]);
        String[] typed = TinyRun.cli("sample", "--run", run.toString(), "--cfg", "1e308", "--out", dir.resolve("t.png").toString());
        assertEquals("2", typed[0]);
        assertTrue(typed[2].contains("sample.cfg = 1.0E308 is out of range: expected 0.0 <= sample.cfg <= 100.0"), typed[2]);
        String[] fine = fromPng(original);
        assertEquals("0", fine[0], fine[1] + fine[2]);
        assertTrue(fine[1].contains("pixel-identical"), fine[1]);
        Files.delete(dir.resolve("again.png"));
    }

    @Test
    void aTextChunkWithAWrongCrcIsRefused() throws Exception {
        byte[] png = Files.readAllBytes(original);
        String latin = new String(png, StandardCharsets.ISO_8859_1);
        int at = latin.indexOf("\"steps\":2");
        assertTrue(at > 0);
        png[at + "\"steps\":".length()] = '3';                                   // edited by hand, CRC left as it was
        Path damaged = Files.write(dir.resolve("damaged.png"), png);
        String[] r = fromPng(damaged);
        assertEquals("2", r[0], r[1] + r[2]);
        assertTrue(r[2].contains("ldm4j: error: --from-png " + damaged + " is not a PNG ldm4j can read: its tEXt chunk at byte ")
                && r[2].contains("has a wrong CRC"), r[2]);
    }

    @Test
    void missingFilesAndBombsAreOneLineErrors() throws Exception {
        Path nope = dir.resolve("nope.png");
        String[] missing = fromPng(nope);
        assertEquals("2", missing[0]);
        assertTrue(missing[2].contains("ldm4j: error: --from-png " + nope + " does not exist"), missing[2]);
        Path bomb = Files.write(dir.resolve("bomb.png"), PngBomb.of(10_000));
        String[] init = TinyRun.cli("sample", "--run", run.toString(), "--class", "red", "--n", "1", "--steps", "2",
                "--init", bomb.toString(), "--out", dir.resolve("init.png").toString());
        assertEquals("2", init[0], init[1] + init[2]);
        assertTrue(init[2].contains("ldm4j: error: --init " + bomb + " declares 10000x10000 = 100,000,000 pixels, above"
                + " data.maxPixels"), init[2]);
        // a bomb that carries valid settings: refused before its pixels are decoded for the comparison
        Map<String, String> text = PngText.read(original);
        byte[] withText = insertText(PngBomb.of(10_000), text);
        Path settingsBomb = Files.write(dir.resolve("settings-bomb.png"), withText);
        String[] again = fromPng(settingsBomb);
        assertEquals("2", again[0], again[1] + again[2]);
        assertTrue(again[2].contains("declares 10000x10000"), again[2]);
    }

    @Test
    void seedsAndThreadsFollowOneRule() {
        String[] seed = TinyRun.cli("sample", "--run", run.toString(), "--seed", "-1", "--out", dir.resolve("s.png").toString());
        assertEquals("2", seed[0], seed[2]);
        assertTrue(seed[2].contains("--seed -1 is out of range: expected 0 <= --seed <= 9223372036854775807"), seed[2]);
        String[] threads = TinyRun.cli("sample", "--run", run.toString(), "--threads", "100000", "--out",
                dir.resolve("s.png").toString());
        assertEquals("2", threads[0], threads[2]);
        assertTrue(threads[2].contains("--threads 100000 is out of range: expected 0 <= --threads <= 1024"), threads[2]);
    }

    /** The PNG with tEXt chunks for {@code text} inserted after its IHDR (valid CRCs). */
    static byte[] insertText(byte[] png, Map<String, String> text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int ihdrEnd = 8 + 12 + 13;
        out.write(png, 0, ihdrEnd);
        for (Map.Entry<String, String> e : text.entrySet()) {
            byte[] data = (e.getKey() + "\0" + e.getValue()).getBytes(StandardCharsets.ISO_8859_1);
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(data.length);
            byte[] type = "tEXt".getBytes(StandardCharsets.US_ASCII);
            d.write(type);
            d.write(data);
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            d.writeInt((int) crc.getValue());
        }
        out.write(png, ihdrEnd, png.length - ihdrEnd);
        return out.toByteArray();
    }
}
