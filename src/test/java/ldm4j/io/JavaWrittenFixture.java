package ldm4j.io;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The documented content of {@code fixtures/safetensors/java_written.safetensors}, which
 * scripts/fixtures/make_safetensors_fixtures.py verifies with the Python safetensors package. Keep
 * the two in sync: with i = 0, 1, ... the flat element index,
 * <ul>
 *   <li>{@code f64} F64 [2, 3]: i * 0.25 - 1</li>
 *   <li>{@code f32} F32 [2, 3]: i * 0.5 - 1</li>
 *   <li>{@code f16} F16 [2, 3]: (i - 3) * 0.5</li>
 *   <li>{@code bf16} BF16 [2, 3]: (i - 3) * 0.25</li>
 *   <li>{@code i64} I64 [2, 3]: (i - 3) * 1099511627777 (2^40 + 1)</li>
 *   <li>{@code i32} I32 [2, 3]: (i - 3) * 65537</li>
 *   <li>{@code i16} I16 [2, 3]: (i - 3) * 1000</li>
 *   <li>{@code i8} I8 [2, 3]: (i - 3) * 40</li>
 *   <li>{@code u8} U8 [2, 3]: i * 50</li>
 *   <li>{@code bool} BOOL [2, 3]: i is odd</li>
 *   <li>{@code nested.scalar} F32 []: 3.5</li>
 *   <li>{@code nested.empty} F32 [0, 4]: no elements</li>
 *   <li>{@code cube} F16 [2, 2, 2]: i - 4</li>
 *   <li>{@code f32.special} F32 [6]: -0.0, +inf, -inf, NaN (bits 0x7fc00000), 1.4e-45 (bits 0x00000001),
 *       Float.MAX_VALUE (bits 0x7f7fffff)</li>
 *   <li>{@code ünïcode.weight} U8 [3]: 1, 2, 3</li>
 * </ul>
 * Metadata: format=pt, config={"a":1,"b":[1,2]}, note=ünïcode ✓, empty= (empty string).
 */
final class JavaWrittenFixture {

    static final String FILE_NAME = "java_written.safetensors";

    private JavaWrittenFixture() {
    }

    static Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", "pt");
        m.put("config", "{\"a\":1,\"b\":[1,2]}");
        m.put("note", "ünïcode ✓");
        m.put("empty", "");
        return m;
    }

    static Map<String, HostTensor> tensors() {
        long[] s = {2, 3};
        Map<String, HostTensor> t = new LinkedHashMap<>();
        ByteBuffer b;
        b = TestData.buffer(48);
        for (int i = 0; i < 6; i++) b.putDouble(i * 0.25 - 1);
        t.put("f64", TestData.of(DType.F64, s, b));
        b = TestData.buffer(24);
        for (int i = 0; i < 6; i++) b.putFloat(i * 0.5f - 1);
        t.put("f32", TestData.of(DType.F32, s, b));
        b = TestData.buffer(12);
        for (int i = 0; i < 6; i++) b.putShort(TestData.halfBits((i - 3) * 0.5f));
        t.put("f16", TestData.of(DType.F16, s, b));
        b = TestData.buffer(12);
        for (int i = 0; i < 6; i++) b.putShort(TestData.bf16Bits((i - 3) * 0.25f));
        t.put("bf16", TestData.of(DType.BF16, s, b));
        b = TestData.buffer(48);
        for (int i = 0; i < 6; i++) b.putLong((i - 3) * 1099511627777L);
        t.put("i64", TestData.of(DType.I64, s, b));
        b = TestData.buffer(24);
        for (int i = 0; i < 6; i++) b.putInt((i - 3) * 65537);
        t.put("i32", TestData.of(DType.I32, s, b));
        b = TestData.buffer(12);
        for (int i = 0; i < 6; i++) b.putShort((short) ((i - 3) * 1000));
        t.put("i16", TestData.of(DType.I16, s, b));
        b = TestData.buffer(6);
        for (int i = 0; i < 6; i++) b.put((byte) ((i - 3) * 40));
        t.put("i8", TestData.of(DType.I8, s, b));
        b = TestData.buffer(6);
        for (int i = 0; i < 6; i++) b.put((byte) (i * 50));
        t.put("u8", TestData.of(DType.U8, s, b));
        b = TestData.buffer(6);
        for (int i = 0; i < 6; i++) b.put((byte) (i % 2));
        t.put("bool", TestData.of(DType.BOOL, s, b));
        t.put("nested.scalar", HostTensor.ofFloats(new float[] {3.5f}));
        t.put("nested.empty", HostTensor.ofFloats(new float[0], 0, 4));
        b = TestData.buffer(16);
        for (int i = 0; i < 8; i++) b.putShort(TestData.halfBits(i - 4));
        t.put("cube", TestData.of(DType.F16, new long[] {2, 2, 2}, b));
        b = TestData.buffer(24);
        for (int bits : new int[] {0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x00000001, 0x7f7fffff}) {
            b.putInt(bits);
        }
        t.put("f32.special", TestData.of(DType.F32, new long[] {6}, b));
        b = TestData.buffer(3);
        b.put((byte) 1).put((byte) 2).put((byte) 3);
        t.put("ünïcode.weight", TestData.of(DType.U8, new long[] {3}, b));
        return t;
    }
}
