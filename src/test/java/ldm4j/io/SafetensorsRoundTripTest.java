package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    private Map<String, HostTensor> roundTrip(Map<String, HostTensor> tensors, Map<String, String> meta)
            throws IOException {
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(f, tensors, meta);
        try (SafetensorsFile file = Safetensors.read(f)) {
            assertEquals(meta, file.metadata());
            return file.getAll();
        }
    }

    private static void assertSame(HostTensor expected, HostTensor actual) {
        assertEquals(expected.dtype(), actual.dtype());
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(TestData.bytes(expected), TestData.bytes(actual));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void roundTripsEveryDtypeIncludingScalarAndEmpty(DType dtype) throws IOException {
        Random rnd = new Random(dtype.ordinal());
        Map<String, HostTensor> in = new LinkedHashMap<>();
        in.put("matrix", TestData.random(dtype, rnd, 2, 3));
        in.put("cube", TestData.random(dtype, rnd, 2, 1, 5));
        in.put("scalar", TestData.random(dtype, rnd));
        in.put("empty", TestData.random(dtype, rnd, 0));
        in.put("empty.inner", TestData.random(dtype, rnd, 3, 0, 2));
        Map<String, HostTensor> out = roundTrip(in, Map.of());
        assertEquals(in.keySet(), out.keySet());
        in.forEach((name, t) -> assertSame(t, out.get(name)));
        assertEquals(0, out.get("scalar").shape().length);
        assertEquals(1, out.get("scalar").numel());
    }

    @Test
    void roundTripsMetadata() throws IOException {
        Map<String, String> meta = new HashMap<>();
        meta.put("format", "pt");
        meta.put("config", "{\"a\":1,\"nested\":{\"b\":[1,2]}}");
        meta.put("unicode ✓", "ünïcode \uD83D\uDE00");
        meta.put("empty", "");
        meta.put("escapes", "quote\" backslash\\ newline\n tab\t nul\u0000");
        Map<String, HostTensor> out = roundTrip(Map.of("x", HostTensor.ofFloats(new float[] {1, 2}, 2)), meta);
        assertEquals(1, out.size());
    }

    @Test
    void noTensorsNoMetadata() throws IOException {
        assertTrue(roundTrip(Map.of(), Map.of()).isEmpty());
        byte[] bytes = Safetensors.toBytes(Map.of(), Map.of());
        assertEquals("{}      ", new String(bytes, 8, bytes.length - 8, StandardCharsets.UTF_8));
    }

    @Test
    void bytesAreDeterministicAndPadded() throws IOException {
        Random rnd = new Random(7);
        List<Map.Entry<String, HostTensor>> entries = new ArrayList<>();
        for (DType d : DType.values()) {
            entries.add(Map.entry("t." + d.name().toLowerCase(), TestData.random(d, rnd, 3)));
            entries.add(Map.entry("a." + d.name().toLowerCase(), TestData.random(d, rnd, 1, 2)));
        }
        Map<String, String> meta1 = new LinkedHashMap<>();
        meta1.put("b", "2");
        meta1.put("a", "1");
        Map<String, String> meta2 = new HashMap<>(meta1);
        byte[] first = Safetensors.toBytes(toMap(entries), meta1);
        Collections.shuffle(entries, rnd);
        byte[] second = Safetensors.toBytes(toMap(entries), meta2);
        assertArrayEquals(first, second);

        long n = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8, "header length is a multiple of 8");
        String header = new String(first, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\"},"), header);

        Path f = dir.resolve("d.safetensors");
        Safetensors.write(f, toMap(entries), meta1);
        assertArrayEquals(first, Files.readAllBytes(f));
    }

    @Test
    void layoutKeepsEveryTensorAligned() throws IOException {
        Random rnd = new Random(3);
        Map<String, HostTensor> in = new LinkedHashMap<>();
        for (DType d : DType.values()) {
            in.put("a" + d, TestData.random(d, rnd, 3)); // odd sizes would misalign a careless layout
        }
        Path f = dir.resolve("a.safetensors");
        Safetensors.write(f, in, Map.of());
        try (SafetensorsFile file = Safetensors.read(f)) {
            long n = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            for (String name : file.names()) {
                TensorInfo info = file.info(name);
                assertEquals(0, (8 + n + info.begin()) % info.dtype().byteSize(), name + " is misaligned");
            }
        }
    }

    @Test
    void fileAccessors() throws IOException {
        Path f = dir.resolve("x.safetensors");
        Map<String, HostTensor> in = new LinkedHashMap<>();
        in.put("b", HostTensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
        in.put("a", HostTensor.ofLongs(new long[] {5}, 1));
        Safetensors.write(f, in);
        HostTensor kept;
        try (SafetensorsFile file = Safetensors.read(f)) {
            assertEquals(List.of("a", "b"), new ArrayList<>(file.names()));
            assertTrue(file.contains("a"));
            assertFalse(file.contains("c"));
            assertEquals(DType.F32, file.info("b").dtype());
            assertArrayEquals(new long[] {2, 2}, file.info("b").shape());
            assertTrue(file.metadata().isEmpty());
            kept = file.get("b");
            assertTrue(kept.data().isReadOnly());
            FormatException e = assertThrows(FormatException.class, () -> file.get("c"));
            assertTrue(e.getMessage().startsWith(f + ": no tensor named 'c'"), e.getMessage());
        }
        assertArrayEquals(new float[] {1, 2, 3, 4}, kept.toFloats(), "views stay valid after close");
    }

    @Test
    void getAfterCloseFails() throws IOException {
        Path f = dir.resolve("c.safetensors");
        Safetensors.write(f, Map.of("x", HostTensor.ofFloats(new float[] {1}, 1)));
        SafetensorsFile file = Safetensors.read(f);
        file.close();
        assertThrows(IllegalStateException.class, () -> file.get("x"));
    }

    @Test
    void mappedTensorsCanBeWrittenAgain() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        Safetensors.write(a, JavaWrittenFixture.tensors(), JavaWrittenFixture.metadata());
        try (SafetensorsFile file = Safetensors.read(a)) {
            Safetensors.write(b, file.getAll(), file.metadata());
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void requireShapeNamesTensorAndBothShapes() throws IOException {
        Path f = dir.resolve("s.safetensors");
        Safetensors.write(f, Map.of("w", TestData.random(DType.F16, new Random(1), 3, 4)));
        try (SafetensorsFile file = Safetensors.read(f)) {
            assertEquals(12, file.requireShape("w", DType.F16, 3, 4).numel());
            FormatException e = assertThrows(FormatException.class, () -> file.requireShape("w", DType.F32, 4, 4));
            assertEquals(f + ": tensor 'w' is F16 [3, 4] but F32 [4, 4] was expected", e.getMessage());
            e = assertThrows(FormatException.class, () -> file.requireShape("w", DType.F16, 12));
            assertTrue(e.getMessage().contains("F16 [3, 4] but F16 [12]"), e.getMessage());
        }
    }

    @Test
    void requireNamesListsMissingAndUnexpected() throws IOException {
        Path f = dir.resolve("n.safetensors");
        Map<String, HostTensor> in = new LinkedHashMap<>();
        in.put("c.d", HostTensor.ofFloats(new float[] {1}, 1));
        in.put("shared", HostTensor.ofFloats(new float[] {1}, 1));
        Safetensors.write(f, in);
        try (SafetensorsFile file = Safetensors.read(f)) {
            file.requireNames(List.of("shared", "c.d"));
            FormatException e = assertThrows(FormatException.class,
                    () -> file.requireNames(List.of("a.b", "shared")));
            assertEquals(f + ": tensor names do not match: missing: a.b, unexpected: c.d", e.getMessage());
            assertEquals(List.of("a.b"), file.nameDiff(List.of("a.b", "c.d", "shared")).missing());
        }
    }

    @Test
    void nameDiffTruncatesLongLists() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            expected.add(String.format("layer%02d", i));
        }
        NameDiff diff = NameDiff.of(List.of("x"), expected);
        assertEquals(25, diff.missing().size());
        assertTrue(diff.toString().startsWith("missing: layer00, layer01,"), diff.toString());
        assertTrue(diff.toString().endsWith("layer19 (and 5 more), unexpected: x"), diff.toString());
        assertTrue(NameDiff.of(List.of("a"), List.of("a")).isEmpty());
    }

    @Test
    void writerRejectsReservedNameAndNulls() {
        Path f = dir.resolve("r.safetensors");
        HostTensor t = HostTensor.ofFloats(new float[] {1}, 1);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of("__metadata__", t)));
        Map<String, String> meta = new HashMap<>();
        meta.put("k", null);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of("x", t), meta));
        assertFalse(Files.exists(f));
    }

    @Test
    void readerAcceptsNullMetadataUnknownFieldsAndWhitespace() throws IOException {
        Path f = dir.resolve("w.safetensors");
        String header = " {\"__metadata__\": null, \"x\": {\"shape\": [2], \"dtype\": \"U8\", "
                + "\"data_offsets\": [0, 2], \"extra\": [1]}}  \n ";
        Files.write(f, TestData.rawFile(header, 2));
        try (SafetensorsFile file = Safetensors.read(f)) {
            assertTrue(file.metadata().isEmpty());
            assertEquals(2, file.get("x").numel());
        }
    }

    private static Map<String, HostTensor> toMap(List<Map.Entry<String, HostTensor>> entries) {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        entries.forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }
}
