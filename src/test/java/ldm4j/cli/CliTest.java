package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import ldm4j.data.Cifar10;
import ldm4j.data.SyntheticData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user sees it: exit codes, one-line errors, outputs. */
class CliTest {

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpListsCommands() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("data"), r.out());
        Result d = run("data", "--help");
        assertEquals(0, d.code());
        assertTrue(d.out().contains("--data=SPEC") && d.out().contains("--preset") && d.out().contains("--dry-run"), d.out());
        assertEquals(0, run("--version").code());
    }

    @Test
    void dataOnAFolderPrintsCountsAndWritesAGrid(@TempDir Path dir) throws Exception {
        SyntheticData.imageFolder(dir.resolve("ds"), List.of("train", "test"), List.of("cat", "dog"), 3, 16);
        Path grid = dir.resolve("out/grid.png");
        Result r = run("data", "--data", "folder:" + dir.resolve("ds"), "--out", grid.toString(), "--per-class", "3",
                "--measure", "1", "--batch", "2", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("train: 6 images decoded"), r.out());
        assertTrue(r.out().contains("sizes: all 16x16, upscaled to 64 px"), r.out());
        assertTrue(r.out().contains("per class: cat=3 dog=3"), r.out());
        assertTrue(r.out().contains("test: 2 images") || r.out().contains("test: 6 images"), r.out());
        assertTrue(r.out().contains("images/s"), r.out());
        var img = ImageIO.read(grid.toFile());
        // 3 columns x 2 rows of 64 px with 2 px padding
        assertEquals(3 * 64 + 4 * 2, img.getWidth());
        assertEquals(2 * 64 + 3 * 2, img.getHeight());
        // row 0 is class "cat" (index 0): red = 0; row 1 is "dog": red = 25
        assertEquals(0, (img.getRGB(10, 10) >> 16) & 0xFF);
        assertEquals(25, (img.getRGB(10, 2 + 64 + 2 + 10) >> 16) & 0xFF);
    }

    @Test
    @Tag("slow") // a full-size CIFAR-10 archive: left out of ./mvnw test -Pfast
    void dataOnAnOfficialFormatTarball(@TempDir Path dir) throws Exception {
        Path tarball = SyntheticData.cifarTarball(dir);
        Result r = run("data", "--data", "cifar10:" + tarball, "--out", dir.resolve("g.png").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("train: 50,000 images decoded"), r.out());
        assertTrue(r.out().contains("test: 10,000 images decoded"), r.out());
        assertTrue(r.out().contains("sizes: all 32x32, upscaled to 64 px"), r.out());
        assertTrue(r.out().contains("airplane=5,000"), r.out());
        assertTrue(r.err().contains("not byte-identical to the official"), r.err());
        assertTrue(Files.size(dir.resolve("g.png")) > 0);
    }

    @Test
    void badInputGivesOneLineAndExit2(@TempDir Path dir) {
        Result missing = run("data", "--data", "folder:" + dir.resolve("nope"));
        assertEquals(2, missing.code());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().startsWith("ldm4j: error: " + dir.resolve("nope") + " does not exist"), missing.err());
        assertFalse(missing.err().contains("at ldm4j"), "no stack trace without --debug");

        Result badKey = run("data", "--set", "data.resoluton=3", "--dry-run");
        assertEquals(2, badKey.code());
        assertTrue(badKey.err().contains("did you mean 'data.resolution'"), badKey.err());

        Result badOption = run("data", "--nonsense");
        assertEquals(2, badOption.code());
        assertTrue(badOption.err().contains("Unknown option: '--nonsense'"), badOption.err());

        Result badSpec = run("data", "--data", "imagenet");
        assertEquals(2, badSpec.code());
        assertTrue(badSpec.err().contains("is not a dataset"), badSpec.err());

        Result debug = run("--debug", "data", "--data", "folder:" + dir.resolve("nope"));
        assertEquals(2, debug.code());
        assertTrue(debug.err().contains("at ldm4j."), "stack trace with --debug");
    }

    @Test
    void dryRunPrintsResolvedConfig() {
        Result r = run("data", "--preset", "seed", "--set", "data.resolution=32", "--seed", "7", "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"preset\" : \"seed\""), r.out());
        assertTrue(r.out().contains("\"resolution\" : 32"), r.out());
        assertTrue(r.out().contains("\"seed\" : 7"), r.out());
    }

    @Test
    void cifarClassOrderIsOfficial() {
        assertEquals("airplane", Cifar10.CLASSES.get(0));
        assertEquals("truck", Cifar10.CLASSES.get(9));
    }
}
