package ldm4j.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** Parses, validates and encodes the JSON header of a safetensors file. */
final class SafetensorsHeader {

    static final String METADATA_KEY = "__metadata__";

    /** Immutable after construction; Jackson mappers are thread-safe once configured. */
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) Safetensors.MAX_HEADER_BYTES)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Layout order of the Python package: dtypes with larger alignment first, then names byte-wise. */
    private static final List<DType> DTYPE_ORDER = List.of(DType.I64, DType.F64, DType.F32, DType.I32,
            DType.BF16, DType.F16, DType.I16, DType.I8, DType.U8, DType.BOOL);

    static final Comparator<Map.Entry<String, HostTensor>> LAYOUT_ORDER =
            Comparator.<Map.Entry<String, HostTensor>>comparingInt(e -> DTYPE_ORDER.indexOf(e.getValue().dtype()))
                    .thenComparing(Map.Entry::getKey, SafetensorsHeader::compareCodePoints);

    record Parsed(Map<String, String> metadata, SortedMap<String, TensorInfo> tensors) {
    }

    private SafetensorsHeader() {
    }

    /** Parses and validates {@code header} for a data buffer of {@code dataLength} bytes. */
    static Parsed parse(Path file, byte[] header, long dataLength) {
        JsonNode root = readJson(file, header);
        Map<String, String> metadata = Map.of();
        SortedMap<String, TensorInfo> tensors = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                tensors.put(field.getKey(), parseTensor(file, field.getKey(), field.getValue(), dataLength));
            }
        }
        checkLayout(file, tensors.values(), dataLength);
        return new Parsed(metadata, Collections.unmodifiableSortedMap(tensors));
    }

    private static JsonNode readJson(Path file, byte[] header) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(file, "header is not valid UTF-8", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new FormatException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new FormatException(file, "header is not a JSON object");
        }
        return root;
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new FormatException(file, METADATA_KEY + " is not an object of strings");
        }
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new FormatException(file, METADATA_KEY + " value of '" + e.getKey()
                        + "' is not a string but " + e.getValue().getNodeType().name().toLowerCase(Locale.ROOT));
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode node, long dataLength) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new FormatException(file, where + ": entry is not an object");
        }
        JsonNode dtypeNode = required(file, where, node, "dtype");
        if (!dtypeNode.isTextual()) {
            throw new FormatException(file, where + ": dtype is not a string");
        }
        DType dtype = Arrays.stream(DType.values())
                .filter(d -> d.safetensorsName().equals(dtypeNode.textValue()))
                .findFirst()
                .orElseThrow(() -> new FormatException(file, where + ": unsupported dtype '" + dtypeNode.textValue()
                        + "' (supported: " + Arrays.toString(DType.values()) + ")"));
        long[] shape = longs(file, where, "shape", required(file, where, node, "shape"), -1);
        for (long d : shape) {
            if (d < 0) {
                throw new FormatException(file, where + ": negative dimension in shape " + Arrays.toString(shape));
            }
        }
        long[] offsets = longs(file, where, "data_offsets", required(file, where, node, "data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin < 0 || end < begin) {
            throw new FormatException(file, where + ": data_offsets " + Arrays.toString(offsets)
                    + " must satisfy 0 <= begin <= end");
        }
        if (end > dataLength) {
            throw new FormatException(file, where + ": data_offsets " + Arrays.toString(offsets)
                    + " are outside the data buffer of " + dataLength + " bytes");
        }
        long needed;
        try {
            needed = Math.multiplyExact(HostTensor.numel(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new FormatException(file, where + ": shape " + Arrays.toString(shape) + " is too large");
        }
        if (needed != end - begin) {
            throw new FormatException(file, where + ": " + dtype + " " + Arrays.toString(shape) + " needs "
                    + needed + " bytes but data_offsets " + Arrays.toString(offsets) + " span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static JsonNode required(Path file, String where, JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            throw new FormatException(file, where + ": missing '" + key + "'");
        }
        return v;
    }

    /** An array of integers that fit in a long; {@code length} -1 means any length. */
    private static long[] longs(Path file, String where, String key, JsonNode node, int length) {
        String expected = length < 0 ? "an array of integers" : "an array of " + length + " integers";
        if (!node.isArray() || (length >= 0 && node.size() != length)) {
            throw new FormatException(file, where + ": " + key + " is not " + expected);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw new FormatException(file, where + ": " + key + " is not " + expected + " (element "
                        + i + " is " + v + ")");
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** Tensors must tile the data buffer exactly: no overlaps, no gaps, no trailing bytes. */
    private static void checkLayout(Path file, Iterable<TensorInfo> tensors, long dataLength) {
        List<TensorInfo> sorted = new ArrayList<>();
        tensors.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long position = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < position) {
                throw new FormatException(file, "tensors '" + previous.name() + "' [" + previous.begin() + ", "
                        + previous.end() + "] and '" + t.name() + "' [" + t.begin() + ", " + t.end() + "] overlap");
            }
            if (t.begin() > position) {
                throw new FormatException(file, (t.begin() - position) + " bytes before tensor '" + t.name()
                        + "' (data_offsets [" + t.begin() + ", " + t.end() + "]) belong to no tensor");
            }
            position = t.end();
            previous = t;
        }
        if (position != dataLength) {
            throw new FormatException(file, "the last " + (dataLength - position)
                    + " bytes of the data buffer belong to no tensor");
        }
    }

    /** The header for tensors in the given order, padded with spaces to a multiple of 8 bytes. */
    static byte[] encode(List<Map.Entry<String, HostTensor>> ordered, Map<String, String> metadata) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart(METADATA_KEY);
                for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (Map.Entry<String, HostTensor> e : ordered) {
                HostTensor t = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("dtype", t.dtype().safetensorsName());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                offset += t.byteSize();
                g.writeNumber(offset);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen writing to memory
        }
        int padding = (8 - out.size() % 8) % 8;
        for (int i = 0; i < padding; i++) {
            out.write(' ');
        }
        return out.toByteArray();
    }

    /** Orders tensors as they are laid out in the data buffer. */
    static List<Map.Entry<String, HostTensor>> layout(Map<String, HostTensor> tensors) {
        List<Map.Entry<String, HostTensor>> list = new ArrayList<>(new LinkedHashMap<>(tensors).entrySet());
        list.sort(LAYOUT_ORDER);
        return list;
    }

    /** Unicode code point order, which equals the byte order of UTF-8 (used by the Python package). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
