package ldm4j.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;

import ldm4j.torch.Tensors;

/**
 * Not a test: a single-threaded profile of decode + ADM crop per image, by stage, in CPU time of this thread
 * (ThreadMXBean), so other processes on the machine disturb it far less than wall time.
 * The stages are timed one after another on the same image (each as the loader's code runs it, the two resize
 * passes by resizing one axis at a time), then the whole of {@code ImageDecoder.decode} + {@code Transform.apply}.
 * Usage ({@code ./mvnw -o -q test-compile} first):
 * {@code java -cp target/test-classes:target/classes:'target/lib/*' ldm4j.data.DecodeProfile FOLDER [SIZE] [PASSES]}
 */
public final class DecodeProfile {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args[0]);
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).filter(p -> p.toString().toLowerCase().matches(".*\\.jpe?g")).sorted().toList()) {
                files.add(Files.readAllBytes(p));
            }
        }
        String[] names = {"header (JpegFrame)", "imdecode (libjpeg-turbo)", "Mat -> Java (split + copy)", "orientation",
            "BOX halvings", "BICUBIC horizontal", "BICUBIC vertical", "uint8 -> float [-1,1]", "tensor fill (batch 32)",
            "end to end: decode + crop + float"};
        long[] ns = new long[names.length];
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
        Transform adm = new Transform(size, "bicubic", "adm");
        boolean[] noFlip = new boolean[1];
        for (int pass = 0; pass <= passes; pass++) {
            Arrays.fill(ns, 0);
            float[] batch = new float[32 * 3 * size * size];
            int inBatch = 0;
            for (byte[] jpeg : files) {
                long t0 = CPU.getCurrentThreadCpuTime();
                JpegFrame frame = JpegFrame.of(jpeg);                   // the header, as ImageDecoder reads it
                int w = frame.width();
                int h = frame.height();
                long t1 = CPU.getCurrentThreadCpuTime();
                RawImage img;
                long t2;
                long t3;
                try (PointerScope scope = new PointerScope()) {
                    Mat bgr = imdecode(new Mat(1, jpeg.length, CV_8UC1, new BytePointer(jpeg)), IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION);
                    t2 = CPU.getCurrentThreadCpuTime();
                    MatVector planes = new MatVector();
                    split(bgr, planes);
                    byte[] out = new byte[3 * h * w];
                    for (int c = 0; c < 3; c++) {
                        planes.get(2 - c).data().get(out, c * h * w, h * w);
                    }
                    img = new RawImage(out, h, w);
                    t3 = CPU.getCurrentThreadCpuTime();
                }
                img = Orientation.apply(img, Orientation.ofJpeg(jpeg));
                long t4 = CPU.getCurrentThreadCpuTime();
                while (Math.min(img.width(), img.height()) >= 2 * size) {
                    img = PilResample.resize(img, img.width() / 2, img.height() / 2, PilResample.Filter.BOX, 0, 0, img.width() / 2, img.height() / 2);
                }
                long t5 = CPU.getCurrentThreadCpuTime();
                double scale = (double) size / Math.min(img.width(), img.height());
                int ow = (int) Math.rint(img.width() * scale);
                int oh = (int) Math.rint(img.height() * scale);
                int top = (oh - size) / 2;
                int left = (ow - size) / 2;
                PilResample.Taps tv = PilResample.taps(img.height(), oh, PilResample.Filter.BICUBIC);
                int rowFrom = tv.start(top, top + size);
                int rowTo = tv.end(top, top + size);
                // horizontal only over the rows the window reads, then vertical only
                RawImage rows = new RawImage(Arrays.copyOf(img.planes(), img.planes().length), img.height(), img.width());
                RawImage mid = PilResample.resize(rows, ow, img.height(), PilResample.Filter.BICUBIC, left, rowFrom, size, rowTo - rowFrom);
                long t6 = CPU.getCurrentThreadCpuTime();
                RawImage sq = PilResample.resize(new RawImage(new byte[3 * img.height() * size], img.height(), size), size, oh,
                        PilResample.Filter.BICUBIC, 0, top, size, size);
                long t7 = CPU.getCurrentThreadCpuTime();
                byte[] px = sq.planes();
                int base = inBatch * 3 * size * size;
                for (int j = 0; j < px.length; j++) {
                    batch[base + j] = (px[j] & 255) / 127.5f - 1f;
                }
                long t8 = CPU.getCurrentThreadCpuTime();
                inBatch++;
                long t9 = t8;
                if (inBatch == 32) {
                    try (PointerScope scope = new PointerScope()) {
                        Tensors.fromFloats(batch, 32, 3, size, size);
                    }
                    inBatch = 0;
                    t9 = CPU.getCurrentThreadCpuTime();
                }
                // end to end as the loader runs it
                long e0 = CPU.getCurrentThreadCpuTime();
                adm.apply(List.of(decoder.decode(jpeg, "x")), noFlip);
                long e1 = CPU.getCurrentThreadCpuTime();
                long[] d = {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t8 - t7, t9 - t8, e1 - e0};
                for (int i = 0; i < d.length; i++) {
                    ns[i] += d[i];
                }
                if (mid.width() < 0 || w < 0) {
                    throw new AssertionError();
                }
            }
        }
        int n = files.size();
        System.out.printf("%d JPEGs, %d px, CPU time per image (last of %d passes, one thread):%n", n, size, passes);
        for (int i = 0; i < names.length; i++) {
            System.out.printf("  %-36s %8.3f ms%n", names[i], ns[i] / 1e6 / n);
        }
        System.out.printf("  end to end rate: %.0f images per CPU-second%n", n / (ns[names.length - 1] / 1e9));
    }
}
