package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates a valid file ~2,000 ways (seeded) and checks that reading either succeeds, with every tensor
 * readable, or fails with a FormatException: never another exception, an OutOfMemoryError or a hang.
 */
class SafetensorsFuzzTest {

    private static final long SEED = 20240611L;
    private static final int ITERATIONS = 2000;
    private static final byte[] JSON_CHARS = "{}[]\":,-0123456789 eE.ntfu\\".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void mutatedFilesFailOnlyWithFormatException() {
        byte[] base = Safetensors.toBytes(JavaWrittenFixture.tensors(), JavaWrittenFixture.metadata());
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Random rnd = new Random(SEED);
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] mutated = mutate(base, rnd);
                Path f = dir.resolve("fuzz-" + i + ".safetensors");
                Files.write(f, mutated);
                try {
                    outcomes[readAll(f) ? 0 : 1]++;
                } catch (RuntimeException | Error e) {
                    throw new AssertionError("iteration " + i + " (seed " + SEED + ") threw " + e, e);
                } finally {
                    Files.delete(f);
                }
            }
        });
        assertTrue(outcomes[0] > 50 && outcomes[1] > 500, "read/rejected: " + Arrays.toString(outcomes));
    }

    /** True if the file was read completely, false if it was rejected with a FormatException. */
    private static boolean readAll(Path f) throws IOException {
        try (SafetensorsFile file = Safetensors.read(f)) {
            file.metadata().forEach((k, v) -> k.length());
            for (String name : file.names()) {
                HostTensor t = file.get(name);
                if (t.numel() <= 1 << 16) {
                    t.toFloats();
                }
            }
            return true;
        } catch (FormatException e) {
            return false;
        }
    }

    private static byte[] mutate(byte[] base, Random rnd) {
        byte[] m = base.clone();
        int ops = 1 + rnd.nextInt(3);
        for (int op = 0; op < ops; op++) {
            int headerEnd = (int) Math.min(m.length, 8 + Math.max(0, Math.min(headerLength(m), m.length)));
            switch (rnd.nextInt(8)) {
                case 0 -> m = Arrays.copyOf(m, rnd.nextInt(m.length + 1));
                case 1 -> flipBits(m, 8, headerEnd, rnd);
                case 2 -> flipBits(m, headerEnd, m.length, rnd);
                case 3 -> flipBits(m, 0, Math.min(8, m.length), rnd);
                case 4 -> m = setHeaderLength(m, pickLength(m, rnd));
                case 5 -> replaceDigit(m, headerEnd, rnd);
                case 6 -> {
                    if (headerEnd > 8) {
                        m[8 + rnd.nextInt(headerEnd - 8)] = JSON_CHARS[rnd.nextInt(JSON_CHARS.length)];
                    }
                }
                default -> {
                    byte[] extra = new byte[1 + rnd.nextInt(64)];
                    rnd.nextBytes(extra);
                    byte[] longer = Arrays.copyOf(m, m.length + extra.length);
                    System.arraycopy(extra, 0, longer, m.length, extra.length);
                    m = longer;
                }
            }
        }
        return m;
    }

    private static long headerLength(byte[] m) {
        return m.length < 8 ? 0 : ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static long pickLength(byte[] m, Random rnd) {
        long[] choices = {Long.MAX_VALUE, -1L, 1L << 40, 1L << 32, m.length + 1L, m.length - 8L,
                m.length - 7L, headerLength(m) - 1, headerLength(m) + 1, 0, 100_000_001L, rnd.nextInt(m.length + 1)};
        return choices[rnd.nextInt(choices.length)];
    }

    private static byte[] setHeaderLength(byte[] m, long n) {
        byte[] out = m.length < 8 ? Arrays.copyOf(m, 8) : m;
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        return out;
    }

    private static void flipBits(byte[] m, int from, int to, Random rnd) {
        if (to <= from) {
            return;
        }
        int flips = 1 + rnd.nextInt(8);
        for (int i = 0; i < flips; i++) {
            m[from + rnd.nextInt(to - from)] ^= (byte) (1 << rnd.nextInt(8));
        }
    }

    private static void replaceDigit(byte[] m, int headerEnd, Random rnd) {
        for (int tries = 0; tries < 100 && headerEnd > 8; tries++) {
            int at = 8 + rnd.nextInt(headerEnd - 8);
            if (m[at] >= '0' && m[at] <= '9') {
                m[at] = (byte) ('0' + rnd.nextInt(10));
                return;
            }
        }
    }
}
