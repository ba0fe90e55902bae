package ldm4j.io.tensorboard;

import java.util.Map;

/**
 * Serialises the subset of {@code tensorboard.Event} used by {@link TensorBoardWriter}.
 *
 * <p>Schema (tensorboard/compat/proto/event.proto and summary.proto):
 *
 * <pre>
 * Event         { double wall_time = 1; int64 step = 2;
 *                 oneof what { string file_version = 3; Summary summary = 5; } }
 * Summary       { repeated Value value = 1; }
 * Summary.Value { string tag = 1; oneof value { float simple_value = 2; Image image = 4; } }
 * Summary.Image { int32 height = 1; int32 width = 2; int32 colorspace = 3;
 *                 bytes encoded_image_string = 4; }
 * </pre>
 *
 * Output is proto3-canonical: plain scalar fields holding their default value are omitted (so
 * {@code step == 0} is not written), {@code oneof} members are always written, and fields appear
 * in ascending field-number order. This is byte-for-byte what protobuf's own serialiser emits.
 */
final class EventEncoder {

    private static final int EVENT_WALL_TIME = 1;
    private static final int EVENT_STEP = 2;
    private static final int EVENT_FILE_VERSION = 3;
    private static final int EVENT_SUMMARY = 5;

    private static final int SUMMARY_VALUE = 1;

    private static final int VALUE_TAG = 1;
    private static final int VALUE_SIMPLE_VALUE = 2;
    private static final int VALUE_IMAGE = 4;

    private static final int IMAGE_HEIGHT = 1;
    private static final int IMAGE_WIDTH = 2;
    private static final int IMAGE_COLORSPACE = 3;
    private static final int IMAGE_ENCODED = 4;

    /** {@code Summary.Image.colorspace} for 8-bit RGB. */
    static final int COLORSPACE_RGB = 3;
    /** {@code Summary.Image.colorspace} for 8-bit RGBA. */
    static final int COLORSPACE_RGBA = 4;

    private EventEncoder() {
    }

    static byte[] fileVersion(double wallTime, long step, String version) {
        return eventHeader(wallTime, step).writeString(EVENT_FILE_VERSION, version).toByteArray();
    }

    /** One event whose summary holds one {@code simple_value} per entry, in the map's iteration order. */
    static byte[] scalars(double wallTime, long step, Map<String, Float> values) {
        ProtoWriter summary = new ProtoWriter();
        for (Map.Entry<String, Float> entry : values.entrySet()) {
            ProtoWriter value = new ProtoWriter()
                    .writeString(VALUE_TAG, entry.getKey())
                    .writeFloat(VALUE_SIMPLE_VALUE, entry.getValue());
            summary.writeMessage(SUMMARY_VALUE, value);
        }
        return eventHeader(wallTime, step).writeMessage(EVENT_SUMMARY, summary).toByteArray();
    }

    static byte[] image(double wallTime, long step, String tag, int height, int width, int colorspace,
                        byte[] encodedImage) {
        ProtoWriter image = new ProtoWriter();
        writeInt32IfNonZero(image, IMAGE_HEIGHT, height);
        writeInt32IfNonZero(image, IMAGE_WIDTH, width);
        writeInt32IfNonZero(image, IMAGE_COLORSPACE, colorspace);
        if (encodedImage.length > 0) {
            image.writeBytes(IMAGE_ENCODED, encodedImage);
        }
        ProtoWriter value = new ProtoWriter()
                .writeString(VALUE_TAG, tag)
                .writeMessage(VALUE_IMAGE, image);
        ProtoWriter summary = new ProtoWriter().writeMessage(SUMMARY_VALUE, value);
        return eventHeader(wallTime, step).writeMessage(EVENT_SUMMARY, summary).toByteArray();
    }

    private static ProtoWriter eventHeader(double wallTime, long step) {
        ProtoWriter event = new ProtoWriter();
        // proto3: a +0.0 default is omitted; -0.0 has a different bit pattern and is kept, as protobuf does.
        if (Double.doubleToRawLongBits(wallTime) != 0L) {
            event.writeDouble(EVENT_WALL_TIME, wallTime);
        }
        if (step != 0) {
            event.writeInt64(EVENT_STEP, step);
        }
        return event;
    }

    private static void writeInt32IfNonZero(ProtoWriter writer, int field, int value) {
        if (value != 0) {
            writer.writeInt32(field, value);
        }
    }
}
