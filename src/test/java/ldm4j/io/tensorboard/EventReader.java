package ldm4j.io.tensorboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Decodes event files written by {@link TensorBoardWriter} (test support; unknown fields are skipped). */
final class EventReader {

    /** A decoded {@code Event}; {@code fileVersion} is null unless set, {@code values} empty unless a summary. */
    record Event(double wallTime, long step, String fileVersion, List<Value> values) {
    }

    /** A decoded {@code Summary.Value}: exactly one of {@code simpleValue} / {@code image} is non-null. */
    record Value(String tag, Float simpleValue, Image image) {
    }

    /** A decoded {@code Summary.Image}. */
    record Image(int height, int width, int colorspace, byte[] encoded) {
    }

    private EventReader() {
    }

    static List<Event> readAll(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        for (byte[] record : TfRecordReader.readAll(file)) {
            events.add(decodeEvent(record));
        }
        return events;
    }

    static Event decodeEvent(byte[] bytes) throws IOException {
        ProtoReader in = new ProtoReader(bytes);
        double wallTime = 0;
        long step = 0;
        String fileVersion = null;
        List<Value> values = new ArrayList<>();
        while (in.hasRemaining()) {
            int tag = in.readTag();
            switch (tag) {
                case (1 << 3) | ProtoWriter.WIRE_FIXED64 -> wallTime = Double.longBitsToDouble(in.readFixed64());
                case (2 << 3) | ProtoWriter.WIRE_VARINT -> step = in.readVarint();
                case (3 << 3) | ProtoWriter.WIRE_LENGTH_DELIMITED -> fileVersion = utf8(in.readBytes());
                case (5 << 3) | ProtoWriter.WIRE_LENGTH_DELIMITED -> values.addAll(decodeSummary(in.readBytes()));
                default -> in.skip(tag & 7);
            }
        }
        return new Event(wallTime, step, fileVersion, List.copyOf(values));
    }

    private static List<Value> decodeSummary(byte[] bytes) throws IOException {
        ProtoReader in = new ProtoReader(bytes);
        List<Value> values = new ArrayList<>();
        while (in.hasRemaining()) {
            int tag = in.readTag();
            if (tag == ((1 << 3) | ProtoWriter.WIRE_LENGTH_DELIMITED)) {
                values.add(decodeValue(in.readBytes()));
            } else {
                in.skip(tag & 7);
            }
        }
        return values;
    }

    private static Value decodeValue(byte[] bytes) throws IOException {
        ProtoReader in = new ProtoReader(bytes);
        String name = "";
        Float simpleValue = null;
        Image image = null;
        while (in.hasRemaining()) {
            int tag = in.readTag();
            switch (tag) {
                case (1 << 3) | ProtoWriter.WIRE_LENGTH_DELIMITED -> name = utf8(in.readBytes());
                case (2 << 3) | ProtoWriter.WIRE_FIXED32 -> simpleValue = Float.intBitsToFloat(in.readFixed32());
                case (4 << 3) | ProtoWriter.WIRE_LENGTH_DELIMITED -> image = decodeImage(in.readBytes());
                default -> in.skip(tag & 7);
            }
        }
        return new Value(name, simpleValue, image);
    }

    private static Image decodeImage(byte[] bytes) throws IOException {
        ProtoReader in = new ProtoReader(bytes);
        int height = 0;
        int width = 0;
        int colorspace = 0;
        byte[] encoded = new byte[0];
        while (in.hasRemaining()) {
            int tag = in.readTag();
            switch (tag) {
                case (1 << 3) | ProtoWriter.WIRE_VARINT -> height = (int) in.readVarint();
                case (2 << 3) | ProtoWriter.WIRE_VARINT -> width = (int) in.readVarint();
                case (3 << 3) | ProtoWriter.WIRE_VARINT -> colorspace = (int) in.readVarint();
                case (4 << 3) | ProtoWriter.WIRE_LENGTH_DELIMITED -> encoded = in.readBytes();
                default -> in.skip(tag & 7);
            }
        }
        return new Image(height, width, colorspace, encoded);
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
