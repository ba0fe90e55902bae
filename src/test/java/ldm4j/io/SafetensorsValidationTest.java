package ldm4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a header can be broken yields a one-line FormatException that starts with the path. */
class SafetensorsValidationTest {

    @TempDir
    Path dir;

    private FormatException readBroken(byte[] content) throws IOException {
        Path f = dir.resolve("broken.safetensors");
        Files.write(f, content);
        FormatException e = assertThrows(FormatException.class, () -> Safetensors.read(f).close());
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertEquals(f, e.file());
        assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
        return e;
    }

    private static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    static Stream<Arguments> brokenHeaders() {
        String ok = entry("a", "F32", "[2]", "[0,8]");
        return Stream.of(
                Arguments.of("{" + ok, 8, "header is not valid JSON"),
                Arguments.of("{" + ok + "} x", 8, "header is not valid JSON"),
                Arguments.of("{" + ok + "," + ok + "}", 8, "header is not valid JSON: Duplicate field 'a'"),
                Arguments.of("[]", 0, "header is not a JSON object"),
                Arguments.of("\"text\"", 0, "header is not a JSON object"),
                Arguments.of("        ", 0, "header is not a JSON object"),
                Arguments.of("", 0, "header is not a JSON object"),
                Arguments.of("{\"a\":[1]}", 0, "tensor 'a': entry is not an object"),
                Arguments.of("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "tensor 'a': missing 'dtype'"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "tensor 'a': missing 'shape'"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "tensor 'a': missing 'data_offsets'"),
                Arguments.of("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "dtype is not a string"),
                Arguments.of("{" + entry("a", "F8_E4M3", "[2]", "[0,2]") + "}", 2, "unsupported dtype 'F8_E4M3'"),
                Arguments.of("{" + entry("a", "f32", "[2]", "[0,8]") + "}", 8, "unsupported dtype 'f32'"),
                Arguments.of("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8,
                        "tensor 'a': shape is not an array of integers"),
                Arguments.of("{" + entry("a", "F32", "[2.0]", "[0,8]") + "}", 8, "shape is not an array of integers"),
                Arguments.of("{" + entry("a", "F32", "[\"2\"]", "[0,8]") + "}", 8, "shape is not an array of integers"),
                Arguments.of("{" + entry("a", "F32", "[99999999999999999999]", "[0,8]") + "}", 8,
                        "shape is not an array of integers"),
                Arguments.of("{" + entry("a", "F32", "[-2]", "[0,8]") + "}", 8, "negative dimension in shape [-2]"),
                Arguments.of("{" + entry("a", "F32", "[4611686018427387904,4]", "[0,8]") + "}", 8, "is too large"),
                Arguments.of("{" + entry("a", "F32", "[2]", "[0]") + "}", 8, "data_offsets is not an array of 2 integers"),
                Arguments.of("{" + entry("a", "F32", "[2]", "[0,8,9]") + "}", 8, "data_offsets is not an array of 2"),
                Arguments.of("{" + entry("a", "F32", "[2]", "[-8,0]") + "}", 8, "must satisfy 0 <= begin <= end"),
                Arguments.of("{" + entry("a", "F32", "[0]", "[8,0]") + "}", 8, "must satisfy 0 <= begin <= end"),
                Arguments.of("{" + entry("a", "F32", "[2]", "[0,12]") + "}", 12,
                        "tensor 'a': F32 [2] needs 8 bytes but data_offsets [0, 12] span 12"),
                Arguments.of("{" + entry("a", "F32", "[2]", "[8,16]") + "}", 8,
                        "tensor 'a': data_offsets [8, 16] are outside the data buffer of 8 bytes"),
                Arguments.of("{" + entry("a", "F32", "[4]", "[0,16]") + "," + entry("b", "F32", "[4]", "[8,24]") + "}", 24,
                        "tensors 'a' [0, 16] and 'b' [8, 24] overlap"),
                Arguments.of("{" + entry("a", "F32", "[4]", "[0,16]") + "," + entry("b", "F32", "[0]", "[4,4]") + "}", 16,
                        "tensors 'a' [0, 16] and 'b' [4, 4] overlap"),
                Arguments.of("{" + entry("a", "F32", "[2]", "[4,12]") + "}", 12,
                        "4 bytes before tensor 'a' (data_offsets [4, 12]) belong to no tensor"),
                Arguments.of("{" + entry("a", "F32", "[2]", "[0,8]") + "}", 12,
                        "the last 4 bytes of the data buffer belong to no tensor"),
                Arguments.of("{\"__metadata__\":[\"x\"]}", 0, "__metadata__ is not an object of strings"),
                Arguments.of("{\"__metadata__\":{\"epoch\":3}}", 0, "__metadata__ value of 'epoch' is not a string but number"),
                Arguments.of("{\"__metadata__\":{\"k\":null}}", 0, "__metadata__ value of 'k' is not a string"));
    }

    @ParameterizedTest
    @MethodSource("brokenHeaders")
    void rejectsBrokenHeader(String header, int dataLength, String expected) throws IOException {
        FormatException e = readBroken(TestData.rawFile(header, dataLength));
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void rejectsShortFiles() throws IOException {
        assertTrue(readBroken(new byte[0]).getMessage().endsWith("file is 0 bytes, too short for the 8-byte header length"));
        assertTrue(readBroken(new byte[7]).getMessage().contains("file is 7 bytes"));
    }

    @Test
    void rejectsHeaderLongerThanFile() throws IOException {
        byte[] file = TestData.rawFile(100, "{}", new byte[0]);
        assertTrue(readBroken(file).getMessage().endsWith("header length 100 runs past the end of the file (10 bytes)"));
    }

    @Test
    void rejectsHugeHeaderLengths() throws IOException {
        assertTrue(readBroken(TestData.rawFile(100_000_001L, "{}", new byte[0])).getMessage()
                .contains("header length 100000001 exceeds the limit of 100000000 bytes"));
        assertTrue(readBroken(TestData.rawFile(-1L, "{}", new byte[0])).getMessage()
                .contains("header length 18446744073709551615 exceeds"));
        assertTrue(readBroken(TestData.rawFile(Long.MAX_VALUE, "{}", new byte[0])).getMessage().contains("exceeds"));
    }

    @Test
    void rejectsInvalidUtf8() throws IOException {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertTrue(readBroken(TestData.rawFile(header.length, header, new byte[0])).getMessage()
                .endsWith("header is not valid UTF-8"));
    }

    @Test
    void messagesStayOnOneLine() throws IOException {
        FormatException e = readBroken(TestData.rawFile("{" + entry("a\\nb", "F32", "[2]", "[0,4]") + "}", 4));
        assertTrue(e.getMessage().contains("tensor 'a\\nb'"), e.getMessage());
    }

    @Test
    void handlesDataBuffersOver2GiB() throws IOException {
        long big = (1L << 31) + 16;
        String header = "{" + entry("big", "U8", "[" + big + "]", "[0," + big + "]") + ","
                + entry("tail", "F32", "[2]", "[" + big + "," + (big + 8) + "]") + "}";
        byte[] prefix = TestData.rawFile(header, 0);
        Path f = dir.resolve("sparse.safetensors");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(prefix));
            ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f);
            ch.write(tail.flip(), prefix.length + big); // the rest stays a sparse hole
        }
        try (SafetensorsFile file = Safetensors.read(f)) {
            assertArrayEquals(new float[] {1.5f, -2f}, file.get("tail").toFloats());
            FormatException e = assertThrows(FormatException.class, () -> file.get("big"));
            assertTrue(e.getMessage().endsWith("tensor 'big' has 2147483664 bytes, more than a Java buffer can hold"),
                    e.getMessage());
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void missingFileIsAnIoError() {
        assertThrows(NoSuchFileException.class, () -> Safetensors.read(dir.resolve("none")));
    }
}
