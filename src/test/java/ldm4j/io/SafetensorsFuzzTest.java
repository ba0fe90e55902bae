package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates a valid file ~2,000 ways per seed and checks that reading either succeeds, with every tensor
 * exactly what the header says it is (checked against Jackson's own reading of the header and the
 * file's bytes), or fails with a FormatException: never another exception, an OutOfMemoryError or a
 * hang. One seed in every run; three more under the {@code slow} tag. A failure names the seed and
 * the iteration.
 */
class SafetensorsFuzzTest {

    private static final int ITERATIONS = 2000;
    private static final byte[] JSON_CHARS = "{}[]\":,-0123456789 eE.ntfu\\".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    @TempDir
    Path dir;

    @Test
    void mutatedFilesFailOnlyWithFormatException() {
        fuzz(20240611L);
    }

    @Tag("slow")
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1L, 77L, 9_876_543_210L})
    void mutatedFilesFailOnlyWithFormatExceptionMoreSeeds(long seed) {
        fuzz(seed);
    }

    private void fuzz(long seed) {
        byte[] base = Safetensors.toBytes(JavaWrittenFixture.tensors(), JavaWrittenFixture.metadata());
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Random rnd = new Random(seed);
            for (int i = 0; i < ITERATIONS; i++) {
                byte[] mutated = mutate(base, rnd);
                Path f = dir.resolve("fuzz-" + i + ".safetensors");
                Files.write(f, mutated);
                try {
                    outcomes[readAll(f, mutated) ? 0 : 1]++;
                } catch (Exception | Error e) {
                    throw new AssertionError("iteration " + i + " (seed " + seed + ") threw " + e, e);
                } finally {
                    Files.delete(f);
                }
            }
        }, "seed " + seed);
        assertTrue(outcomes[0] > 50 && outcomes[1] > 500, "seed " + seed + ": read/rejected: " + Arrays.toString(outcomes));
    }

    /**
     * True if the file was read completely and holds what its header says, false if it was rejected with
     * a FormatException. An accepted header must be JSON Jackson reads without duplicate keys; every tensor
     * it lists must come back with its dtype and shape, and with exactly the bytes its data_offsets span
     * (numel times the dtype's size of them), and the tensors must tile the data buffer; the metadata must be
 * the header's {@code __metadata__}.
     */
    private static boolean readAll(Path f, byte[] bytes) throws IOException {
        try (SafetensorsFile file = Safetensors.read(f)) {
            long headerLength = headerLength(bytes);
            JsonNode header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
            Map<String, String> metadata = new TreeMap<>();
            header.path("__metadata__").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().textValue()));
            assertEquals(metadata, new TreeMap<>(file.metadata()), "metadata");
            List<long[]> spans = new ArrayList<>();
            Set<String> names = new TreeSet<>();
            header.fieldNames().forEachRemaining(names::add);
            names.remove("__metadata__");
            assertEquals(names, new TreeSet<>(file.names()), "tensor names");
            for (String name : names) {
                JsonNode entry = header.get(name);
                HostTensor t = file.get(name);
                assertEquals(entry.get("dtype").textValue(), t.dtype().name(), name);
                long[] shape = new long[entry.get("shape").size()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = entry.get("shape").get(d).longValue();
                }
                assertArrayEquals(shape, t.shape(), name);
                long begin = entry.get("data_offsets").get(0).longValue();
                long end = entry.get("data_offsets").get(1).longValue();
                spans.add(new long[]{begin, end});
                assertEquals(t.numel() * t.dtype().byteSize(), end - begin, name + ": bytes for its shape");
                ByteBuffer data = t.data().duplicate();
                assertEquals(end - begin, data.remaining(), name + ": bytes returned");
                byte[] got = new byte[data.remaining()];
                data.get(got);
                int from = (int) (8 + headerLength + begin);
                assertArrayEquals(Arrays.copyOfRange(bytes, from, from + got.length), got, name + ": the file's bytes");
                if (t.numel() <= 1 << 16) {
                    t.toFloats();
                }
            }
            // the tensors tile the data buffer: no overlap, no hole, nothing after the last one
            spans.sort(Comparator.comparingLong((long[] x) -> x[0]).thenComparingLong(x -> x[1]));
            long position = 0;
            for (long[] span : spans) {
                assertEquals(position, span[0], "tensor data starting at " + span[0] + " after data up to " + position);
                position = span[1];
            }
            assertEquals(bytes.length - 8 - headerLength, position, "the data buffer ends with the last tensor");
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
