package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/lib/allocator.sh, the launcher's choice of native allocator, run by bash as bin/ldm4j runs it. */
class AllocatorScriptTest {

    record Shell(int code, String out, String err) {
    }

    /** Sources the script in a clean environment plus {@code env}, calls it, prints the variables it sets. */
    static Shell run(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source bin/lib/allocator.sh && ldm4j_allocator"
                + " && echo \"ALLOC=$LDM4J_ALLOCATOR PRELOAD=${LD_PRELOAD:-} CONF=${MALLOC_CONF:-}"
                + " TUNABLES=${GLIBC_TUNABLES:-} MMAP=${MALLOC_MMAP_THRESHOLD_:-}\"");
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return new Shell(p.waitFor(), out, err);
    }

    @Test
    void usesJemallocWhenInstalled(@TempDir Path dir) throws Exception {
        Path lib = Files.createFile(dir.resolve("libjemalloc.so.2"));
        Shell s = run(Map.of("LDM4J_JEMALLOC_PATHS", dir.resolve("absent.so") + " " + lib));
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("ALLOC=jemalloc PRELOAD=" + lib + " CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1"), s.out());
        assertTrue(s.out().endsWith("TUNABLES= MMAP="), "no glibc settings with jemalloc: " + s.out());
    }

    @Test
    void keepsTheUsersPreloadAndConfig(@TempDir Path dir) throws Exception {
        Path lib = Files.createFile(dir.resolve("libjemalloc.so.2"));
        Shell s = run(Map.of("LDM4J_JEMALLOC_PATHS", lib.toString(), "LD_PRELOAD", "/x/other.so",
                "MALLOC_CONF", "narenas:2"));
        assertTrue(s.out().contains("PRELOAD=" + lib + ":/x/other.so CONF=narenas:2 "), s.out());
    }

    @Test
    void fallsBackToTunedGlibc(@TempDir Path dir) throws Exception {
        Shell s = run(Map.of("LDM4J_JEMALLOC_PATHS", dir.resolve("absent.so").toString()));
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().startsWith("ALLOC=glibc PRELOAD= CONF= TUNABLES=glibc.malloc.arena_max=1:"), s.out());
        assertTrue(s.out().endsWith("MMAP=1000000000"), s.out());
        Shell forced = run(Map.of("LDM4J_MALLOC", "glibc", "LDM4J_JEMALLOC_PATHS", Files.createFile(dir.resolve("j.so")).toString()));
        assertTrue(forced.out().startsWith("ALLOC=glibc PRELOAD= "), "LDM4J_MALLOC=glibc ignores an installed jemalloc: " + forced.out());
    }

    @Test
    void refusesWhatItCannotDo(@TempDir Path dir) throws Exception {
        Shell missing = run(Map.of("LDM4J_MALLOC", "jemalloc", "LDM4J_JEMALLOC_PATHS", dir.resolve("absent.so").toString()));
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("ldm4j: error: LDM4J_MALLOC=jemalloc but no libjemalloc.so.2 found; install it"), missing.err());
        Shell bogus = run(Map.of("LDM4J_MALLOC", "tcmalloc"));
        assertEquals(2, bogus.code());
        assertEquals("ldm4j: error: LDM4J_MALLOC=tcmalloc is not one of auto, jemalloc, glibc", bogus.err());
        assertFalse(bogus.out().contains("ALLOC="));
    }
}
