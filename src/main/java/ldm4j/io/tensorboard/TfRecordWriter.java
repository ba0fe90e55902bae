package ldm4j.io.tensorboard;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Writes TFRecord framing around opaque payloads:
 *
 * <pre>
 * uint64 length            (little-endian)
 * uint32 masked_crc32c(length bytes)
 * byte   data[length]
 * uint32 masked_crc32c(data)
 * </pre>
 *
 * Not thread-safe; {@link TensorBoardWriter} serialises access.
 */
final class TfRecordWriter implements Closeable {

    static final int HEADER_BYTES = 12;
    static final int FOOTER_BYTES = 4;

    private final OutputStream out;

    TfRecordWriter(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    void write(byte[] data) throws IOException {
        Objects.requireNonNull(data, "data");
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(data.length);
        header.putInt(MaskedCrc32c.masked(header.array(), 0, Long.BYTES));
        ByteBuffer footer = ByteBuffer.allocate(FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        footer.putInt(MaskedCrc32c.masked(data));
        out.write(header.array());
        out.write(data);
        out.write(footer.array());
    }

    void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
