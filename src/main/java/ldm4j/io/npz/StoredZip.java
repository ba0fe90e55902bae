package ldm4j.io.npz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The byte layout of a zip archive whose entries are STORED (uncompressed) with sizes known before
 * any data is written, as {@code numpy.savez} writes {@code .npz} files: every entry's local header
 * and data sit at offsets computed up front, so data can be written in any order (by several
 * processes) and the CRC-32s patched into the headers at the end. ZIP64 fields are used when a size
 * or offset does not fit 32 bits (or when forced, which lets small files test that path); Python's
 * zipfile and java.util.zip read both.
 */
public final class StoredZip {
    private static final long MAX32 = 0xFFFFFFFFL;
    private static final int LOCAL = 30;
    private static final int CENTRAL = 46;
    private static final short DOS_DATE = (short) ((1 << 5) | 1);                  // 1980-01-01, fixed for reproducible files
    private final List<String> names;
    private final long[] sizes;
    private final long[] headerOffsets;
    private final long[] dataOffsets;
    private final boolean zip64;
    private final long centralOffset;

    /** A layout for entries {@code names} of {@code sizes} bytes, in this order. */
    public StoredZip(List<String> names, long[] sizes, boolean forceZip64) {
        if (names.size() != sizes.length || names.isEmpty()) {
            throw new IllegalArgumentException(names.size() + " names for " + sizes.length + " sizes");
        }
        this.names = List.copyOf(names);
        this.sizes = sizes.clone();
        long end = 0;
        boolean big = forceZip64;
        for (long s : sizes) {
            end = Math.addExact(end, Math.addExact(s, LOCAL + 300));
            big |= s >= MAX32;
        }
        big |= end >= MAX32;
        zip64 = big;
        headerOffsets = new long[sizes.length];
        dataOffsets = new long[sizes.length];
        long at = 0;
        for (int i = 0; i < sizes.length; i++) {
            headerOffsets[i] = at;
            dataOffsets[i] = at + LOCAL + nameBytes(i).length + (zip64 ? 20 : 0);
            at = dataOffsets[i] + sizes[i];
        }
        centralOffset = at;
    }

    public boolean zip64() {
        return zip64;
    }

    /** Where entry {@code i}'s data starts. */
    public long dataOffset(int i) {
        return dataOffsets[i];
    }

    public long headerOffset(int i) {
        return headerOffsets[i];
    }

    /** Where the central directory starts (the end of the last entry's data). */
    public long centralOffset() {
        return centralOffset;
    }

    private byte[] nameBytes(int i) {
        return names.get(i).getBytes(StandardCharsets.UTF_8);
    }

    /** Entry {@code i}'s local header with {@code crc} (0 as a placeholder until the data is complete). */
    public ByteBuffer localHeader(int i, int crc) {
        byte[] name = nameBytes(i);
        ByteBuffer b = ByteBuffer.allocate(LOCAL + name.length + (zip64 ? 20 : 0)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x04034b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putShort(DOS_DATE).putInt(crc);
        if (zip64) {
            b.putInt((int) MAX32).putInt((int) MAX32);
        } else {
            b.putInt((int) sizes[i]).putInt((int) sizes[i]);
        }
        b.putShort((short) name.length).putShort((short) (zip64 ? 20 : 0)).put(name);
        if (zip64) {
            b.putShort((short) 1).putShort((short) 16).putLong(sizes[i]).putLong(sizes[i]);
        }
        return b.flip();
    }

    /** The central directory and end records (to write at {@link #centralOffset()}), ending the file. */
    public ByteBuffer centralDirectory(int[] crcs) {
        int n = names.size();
        int cdSize = 0;
        for (int i = 0; i < n; i++) {
            cdSize += CENTRAL + nameBytes(i).length + (zip64 ? 28 : 0);
        }
        ByteBuffer b = ByteBuffer.allocate(cdSize + (zip64 ? 56 + 20 : 0) + 22).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            byte[] name = nameBytes(i);
            b.putInt(0x02014b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) (zip64 ? 45 : 20))
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort(DOS_DATE).putInt(crcs[i]);
            if (zip64) {
                b.putInt((int) MAX32).putInt((int) MAX32);
            } else {
                b.putInt((int) sizes[i]).putInt((int) sizes[i]);
            }
            b.putShort((short) name.length).putShort((short) (zip64 ? 28 : 0)).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(zip64 ? (int) MAX32 : (int) headerOffsets[i]).put(name);
            if (zip64) {
                b.putShort((short) 1).putShort((short) 24).putLong(sizes[i]).putLong(sizes[i]).putLong(headerOffsets[i]);
            }
        }
        if (zip64) {
            long eocd64 = centralOffset + cdSize;
            b.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                    .putLong(n).putLong(n).putLong(cdSize).putLong(centralOffset);
            b.putInt(0x07064b50).putInt(0).putLong(eocd64).putInt(1);
        }
        b.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) (zip64 ? 0xFFFF : n)).putShort((short) (zip64 ? 0xFFFF : n))
                .putInt(zip64 ? (int) MAX32 : cdSize).putInt(zip64 ? (int) MAX32 : (int) centralOffset).putShort((short) 0);
        return b.flip();
    }

    /** The size of the finished file. */
    public long fileSize() {
        return centralOffset + centralDirectory(new int[names.size()]).remaining();
    }
}
