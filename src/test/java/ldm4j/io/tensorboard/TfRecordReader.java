package ldm4j.io.tensorboard;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads TFRecord-framed payloads, verifying both masked CRC32Cs of every record. */
final class TfRecordReader implements Closeable {

    /** A record whose length or data checksum does not match. */
    static final class CorruptRecordException extends IOException {
        CorruptRecordException(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private long offset;

    TfRecordReader(InputStream in) {
        this.in = in;
    }

    static List<byte[]> readAll(Path file) throws IOException {
        try (TfRecordReader reader = new TfRecordReader(new BufferedInputStream(Files.newInputStream(file)))) {
            List<byte[]> records = new ArrayList<>();
            for (byte[] record = reader.next(); record != null; record = reader.next()) {
                records.add(record);
            }
            return records;
        }
    }

    /** The next payload, or {@code null} at a clean end of stream (between records). */
    byte[] next() throws IOException {
        long recordOffset = offset;
        byte[] header = in.readNBytes(TfRecordWriter.HEADER_BYTES);
        offset += header.length;
        if (header.length == 0) {
            return null;
        }
        if (header.length < TfRecordWriter.HEADER_BYTES) {
            throw new EOFException("truncated TFRecord header at offset " + recordOffset);
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        long length = h.getLong();
        int storedLengthCrc = h.getInt();
        int actualLengthCrc = MaskedCrc32c.masked(header, 0, Long.BYTES);
        if (storedLengthCrc != actualLengthCrc) {
            throw new CorruptRecordException(String.format(
                    "corrupt TFRecord at offset %d: length CRC mismatch (stored 0x%08x, computed 0x%08x)",
                    recordOffset, storedLengthCrc, actualLengthCrc));
        }
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new CorruptRecordException("unsupported TFRecord length " + Long.toUnsignedString(length)
                    + " at offset " + recordOffset);
        }
        byte[] data = in.readNBytes((int) length);
        byte[] footer = in.readNBytes(TfRecordWriter.FOOTER_BYTES);
        offset += data.length + footer.length;
        if (data.length < length || footer.length < TfRecordWriter.FOOTER_BYTES) {
            throw new EOFException("truncated TFRecord data at offset " + recordOffset);
        }
        int storedDataCrc = ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int actualDataCrc = MaskedCrc32c.masked(data);
        if (storedDataCrc != actualDataCrc) {
            throw new CorruptRecordException(String.format(
                    "corrupt TFRecord at offset %d: data CRC mismatch (stored 0x%08x, computed 0x%08x)",
                    recordOffset, storedDataCrc, actualDataCrc));
        }
        return data;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
