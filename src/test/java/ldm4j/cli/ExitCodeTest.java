package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ldm4j.LdmException;
import ldm4j.data.SyntheticData;
import ldm4j.torch.Devices;
import ldm4j.torch.Threads;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input errors exit 2 with one line naming the input and the fix, never "internal error" (exit 1). */
class ExitCodeTest {

    @TempDir
    Path dir;

    private static CliTest.Result run(String... args) {
        return CliTest.run(args);
    }

    private static void assertInputError(CliTest.Result r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("ldm4j: error: ") && r.err().contains(expected), r.err());
    }

    @Test
    void negativeThreadsAreAnInputError() {
        assertInputError(run("sample", "--run", dir.toString(), "--threads", "-1"), "--threads -1 is out of range");
        assertInputError(run("eval", "--run", dir.toString(), "--threads", "-1"), "--threads -1 is out of range");
        assertInputError(run("train-classifier", "--out", dir.resolve("c.safetensors").toString(), "--threads", "-1"),
                "--threads -1 is out of range");
    }

    @Test
    void cudaWithoutCudaIsAnInputError() {
        if (Devices.cudaAvailable()) {
            return;
        }
        assertInputError(run("sample", "--run", dir.toString(), "--device", "cuda"), "--device cuda was requested");
        assertInputError(run("sample", "--run", dir.toString(), "--device", "tpu"), "--device 'tpu' is not one of");
    }

    @Test
    void anEmptyRunIsRefused() throws Exception {
        SyntheticData.imageFolder(dir.resolve("ds"), List.of("train", "test"), List.of("a", "b"), 2, 16);
        assertInputError(run("train-vae", "--data", "folder:" + dir.resolve("ds"), "--run", ""), "--run is empty");
        assertInputError(run("sample", "--run", ""), "--run is empty");
        assertInputError(run("encode", "--run", ""), "--run is empty");
        assertInputError(run("report", "--run", ""), "--run is empty");
    }

    @Test
    void threadsAreCappedAtTheCoresWithAWarning() {
        List<String> warnings = new ArrayList<>();
        assertEquals(2, Threads.resolve(1000, 2, warnings::add));
        assertEquals(List.of("ldm4j: warning: --threads 1000 is more than the 2 cores of this machine; using 2"), warnings);
        assertEquals(2, Threads.resolve(0, 2, warnings::add));
        assertEquals(1, Threads.resolve(1, 2, warnings::add));
        assertEquals(1, warnings.size());
        assertThrows(LdmException.class, () -> Threads.resolve(-1, 2, warnings::add));
        assertThrows(LdmException.class, () -> Threads.resolve(100_000, 2, warnings::add), "one rule with sample and the configs");
    }

    @Test
    void aNativeOutOfMemoryIsOneLineNamingTheSetting() {
        RuntimeException oom = assertThrows(RuntimeException.class, () -> torch.empty(1L << 50));
        assertTrue(oom.getMessage().length() > 300, "libtorch's message carries a C++ trace");
        assertTrue(OutOfMemory.is(oom), oom.getMessage());
        String line = OutOfMemory.message(oom, "sample");
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("out of memory (") && line.endsWith("lower --batch (images per forward pass), or free memory"),
                line);
        assertTrue(line.length() < 300, line);
        assertTrue(OutOfMemory.is(new OutOfMemoryError("Java heap space")));
        assertTrue(!OutOfMemory.is(new IllegalStateException("a bug")));
    }

    @Test
    void aFolderNamedLikeTheVaeIsNamed() throws Exception {
        Files.createDirectories(dir.resolve("vae.safetensors"));
        assertInputError(run("encode", "--run", dir.toString()), "vae.safetensors is a folder, not a VAE file");
    }

    @Test
    void subcommandNamesAreFound() {
        StringWriter sw = new StringWriter();
        assertEquals(2, Main.run(new String[]{"sample", "--run", dir.resolve("none").toString()}, new PrintWriter(sw),
                new PrintWriter(sw)));
        assertTrue(sw.toString().contains("is not a run folder"), sw.toString());
    }
}
