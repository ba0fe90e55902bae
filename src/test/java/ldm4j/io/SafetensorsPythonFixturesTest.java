package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks against files made and verified by the Python safetensors package; see
 * scripts/fixtures/make_safetensors_fixtures.py for how to regenerate them. With
 * {@code -Dldm4j.updateFixtures=true} this test rewrites java_written.safetensors instead of
 * comparing it, and fails (a run that checked nothing is never green).
 */
class SafetensorsPythonFixturesTest {

    private static final String DIR = "fixtures/safetensors/";
    private static final Path SOURCE_DIR = Path.of("src/test/resources", DIR);

    @TempDir
    Path tmp;

    private static Path resource(String name) throws URISyntaxException {
        URL url = SafetensorsPythonFixturesTest.class.getResource("/" + DIR + name);
        if (url == null) {
            throw new AssertionError("missing fixture " + DIR + name
                    + "; see scripts/fixtures/make_safetensors_fixtures.py");
        }
        return Path.of(url.toURI());
    }

    @Test
    void readsFileWrittenByPython() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(resource("python_written_expected.json").toFile());
        try (SafetensorsFile file = Safetensors.read(resource("python_written.safetensors"))) {
            assertEquals(Map.of("format", "pt", "config", "{\"a\":1}"), file.metadata());
            Map<String, String> expectedMeta = new TreeMap<>();
            expected.get("metadata").properties().forEach(e -> expectedMeta.put(e.getKey(), e.getValue().asText()));
            assertEquals(expectedMeta, file.metadata());

            JsonNode tensors = expected.get("tensors");
            Map<String, JsonNode> byName = new TreeMap<>();
            tensors.properties().forEach(e -> byName.put(e.getKey(), e.getValue()));
            assertEquals(byName.keySet(), file.names());
            for (Map.Entry<String, JsonNode> e : byName.entrySet()) {
                checkTensor(e.getKey(), e.getValue(), file.get(e.getKey()));
            }
            assertEquals(0, file.info("scalar").shape().length);
            assertEquals(3, file.info("f16.cube").shape().length);
        }
    }

    private static void checkTensor(String name, JsonNode want, HostTensor got) {
        assertEquals(want.get("dtype").asText(), got.dtype().safetensorsName(), name);
        long[] shape = new long[want.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = want.get("shape").get(i).asLong();
        }
        assertArrayEquals(shape, got.shape(), name);
        assertEquals(want.get("hex").asText(), HexFormat.of().formatHex(TestData.bytes(got)), name);
        JsonNode values = want.get("values");
        assertEquals(values.size(), got.numel(), name);
        if (got.dtype() == DType.I64) {
            ByteBuffer b = got.data();
            for (int i = 0; i < values.size(); i++) {
                assertEquals(values.get(i).asLong(), b.getLong(i * 8), name + "[" + i + "]");
            }
        } else {
            float[] floats = got.toFloats();
            for (int i = 0; i < values.size(); i++) {
                assertEquals((float) values.get(i).asDouble(), floats[i], name + "[" + i + "]");
            }
        }
    }

    @Test
    void laysOutTensorsLikePython() throws Exception {
        Path python = resource("python_written.safetensors");
        Path java = tmp.resolve("rewritten.safetensors");
        try (SafetensorsFile file = Safetensors.read(python)) {
            Safetensors.write(java, file.getAll(), file.metadata());
            try (SafetensorsFile rewritten = Safetensors.read(java)) {
                for (String name : file.names()) {
                    assertEquals(file.info(name), rewritten.info(name), name);
                }
            }
        }
        assertArrayEquals(dataBuffer(Files.readAllBytes(python)), dataBuffer(Files.readAllBytes(java)));
    }

    private static byte[] dataBuffer(byte[] file) {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] out = new byte[file.length - 8 - (int) n];
        System.arraycopy(file, 8 + (int) n, out, 0, out.length);
        return out;
    }

    @Test
    void writesTheCommittedJavaFixtureByteForByte() throws Exception {
        byte[] bytes = Safetensors.toBytes(JavaWrittenFixture.tensors(), JavaWrittenFixture.metadata());
        if (Boolean.getBoolean("ldm4j.updateFixtures")) {
            Files.createDirectories(SOURCE_DIR);
            Safetensors.write(SOURCE_DIR.resolve(JavaWrittenFixture.FILE_NAME), JavaWrittenFixture.tensors(),
                    JavaWrittenFixture.metadata());
            assertArrayEquals(bytes, Files.readAllBytes(SOURCE_DIR.resolve(JavaWrittenFixture.FILE_NAME)));
            fail("wrote " + SOURCE_DIR.resolve(JavaWrittenFixture.FILE_NAME).toAbsolutePath() + " instead of checking it "
                    + "(-Dldm4j.updateFixtures=true): run scripts/fixtures/make_safetensors_fixtures.py, then rerun "
                    + "without the flag");
        }
        byte[] committed = Files.readAllBytes(resource(JavaWrittenFixture.FILE_NAME));
        assertTrue(Arrays.equals(committed, bytes), "the writer's output changed: "
                + JavaWrittenFixture.FILE_NAME + " no longer matches the file verified by Python; if intended, "
                + "regenerate it and rerun the Python check (scripts/fixtures/make_safetensors_fixtures.py)");
        try (SafetensorsFile file = Safetensors.read(resource(JavaWrittenFixture.FILE_NAME))) {
            assertEquals(JavaWrittenFixture.metadata(), file.metadata());
            JavaWrittenFixture.tensors().forEach((name, t) ->
                    assertArrayEquals(TestData.bytes(t), TestData.bytes(file.get(name)), name));
        }
    }
}
