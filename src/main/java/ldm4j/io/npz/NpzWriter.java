package ldm4j.io.npz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import ldm4j.io.AtomicFiles;
import ldm4j.io.HostTensor;

/** Writes in-memory arrays as a {@code .npz} (STORED, as numpy.savez), atomically. */
public final class NpzWriter {
    private NpzWriter() {
    }

    public static void write(Path file, Map<String, HostTensor> arrays) throws IOException {
        List<String> names = new ArrayList<>();
        List<byte[]> headers = new ArrayList<>();
        long[] sizes = new long[arrays.size()];
        int i = 0;
        for (Map.Entry<String, HostTensor> e : arrays.entrySet()) {
            names.add(e.getKey() + ".npy");
            byte[] h = new NpyHeader(e.getValue().dtype(), e.getValue().shape()).encode();
            headers.add(h);
            sizes[i++] = h.length + e.getValue().byteSize();
        }
        StoredZip zip = new StoredZip(names, sizes, false);
        AtomicFiles.write(file, ch -> {
            int[] crcs = new int[names.size()];
            int k = 0;
            for (HostTensor t : arrays.values()) {
                CRC32 crc = new CRC32();
                crc.update(headers.get(k));
                crc.update(t.data());
                crcs[k] = (int) crc.getValue();
                ch.position(zip.headerOffset(k));
                AtomicFiles.writeFully(ch, zip.localHeader(k, crcs[k]));
                AtomicFiles.writeFully(ch, ByteBuffer.wrap(headers.get(k)));
                AtomicFiles.writeFully(ch, t.data());
                k++;
            }
            ch.position(zip.centralOffset());
            AtomicFiles.writeFully(ch, zip.centralDirectory(crcs));
        });
    }
}
