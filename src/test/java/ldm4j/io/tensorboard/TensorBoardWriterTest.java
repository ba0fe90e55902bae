package ldm4j.io.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardWriterTest {

    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_123L, 500_000_000);
    private static final Clock FIXED = Clock.fixed(T0, ZoneOffset.UTC);

    @Test
    void createsLogDirAndDefaultFileNameWithFileVersionFirst(@TempDir Path tmp) throws IOException {
        Path logDir = tmp.resolve("run-1").resolve("tb");
        Path file;
        try (TensorBoardWriter writer = new TensorBoardWriter(logDir, FIXED)) {
            file = writer.file();
        }
        assertEquals(logDir, file.getParent());
        String name = file.getFileName().toString();
        assertTrue(name.startsWith("events.out.tfevents.1700000123."), name);
        assertTrue(name.length() > "events.out.tfevents.1700000123.".length(), "hostname missing: " + name);

        List<EventReader.Event> events = EventReader.readAll(file);
        assertEquals(List.of(new EventReader.Event(1_700_000_123.5, 0, "brain.Event:2", List.of())), events);
    }

    @Test
    void firstRecordIsCanonicalFileVersionEvent(@TempDir Path tmp) throws IOException {
        Path file;
        try (TensorBoardWriter writer = new TensorBoardWriter(tmp, "x.tfevents.1", FIXED)) {
            file = writer.file();
        }
        // wall_time (field 1, fixed64) then file_version (field 3); step 0 is omitted as in proto3.
        byte[] expected = new ProtoWriter().writeDouble(1, 1_700_000_123.5).writeString(3, "brain.Event:2")
                .toByteArray();
        assertArrayEquals(expected, TfRecordReader.readAll(file).get(0));
    }

    @Test
    void defaultNamesDoNotCollideWithinOneSecond(@TempDir Path tmp) throws IOException {
        try (TensorBoardWriter a = new TensorBoardWriter(tmp, FIXED);
             TensorBoardWriter b = new TensorBoardWriter(tmp, FIXED)) {
            assertNotEquals(a.file(), b.file());
            assertTrue(b.file().getFileName().toString().startsWith(a.file().getFileName().toString()));
        }
    }

    @Test
    void scalarsRoundTripWithPerEventWallTime(@TempDir Path tmp) throws IOException {
        TickingClock clock = new TickingClock(T0);
        Path file;
        try (TensorBoardWriter writer = new TensorBoardWriter(tmp, "events.out.tfevents.test", clock)) {
            writer.addScalar("loss", 0.25, 1);
            writer.addScalar("loss", 0.1, 2);
            writer.addScalar("nan", Double.NaN, 3);
            writer.flush();
            file = writer.file();
        }
        List<EventReader.Event> events = EventReader.readAll(file);
        assertEquals(4, events.size());
        assertEquals(1_700_000_123.5, events.get(0).wallTime());
        assertEquals(new EventReader.Event(1_700_000_124.5, 1, null,
                List.of(new EventReader.Value("loss", 0.25f, null))), events.get(1));
        assertEquals(new EventReader.Event(1_700_000_125.5, 2, null,
                List.of(new EventReader.Value("loss", 0.1f, null))), events.get(2));
        assertTrue(Float.isNaN(events.get(3).values().get(0).simpleValue()));
    }

    @Test
    void addScalarsWritesOneEventInMapOrder(@TempDir Path tmp) throws IOException {
        Path file;
        try (TensorBoardWriter writer = new TensorBoardWriter(tmp, "events.out.tfevents.test", FIXED)) {
            Map<String, Double> scalars = new TreeMap<>(Map.of("b", 2.0, "a", 1.0, "c", 3.0));
            writer.addScalars(scalars, 7);
            writer.addScalars(Map.of(), 8);
            file = writer.file();
        }
        List<EventReader.Event> events = EventReader.readAll(file);
        assertEquals(2, events.size(), "empty map must not write an event");
        assertEquals(7, events.get(1).step());
        assertEquals(List.of(new EventReader.Value("a", 1f, null), new EventReader.Value("b", 2f, null),
                new EventReader.Value("c", 3f, null)), events.get(1).values());
    }

    @Test
    void rgbImageRoundTripsAsColorspace3(@TempDir Path tmp) throws IOException {
        BufferedImage image = TensorBoardFixture.image();
        EventReader.Image logged = logImage(tmp, image);
        assertEquals(3, logged.height());
        assertEquals(4, logged.width());
        assertEquals(EventEncoder.COLORSPACE_RGB, logged.colorspace());
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(logged.encoded()));
        assertEquals(3, decoded.getColorModel().getNumComponents());
        assertSamePixels(image, decoded);
    }

    @Test
    void rgbaImageKeepsAlphaAsColorspace4(@TempDir Path tmp) throws IOException {
        BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x00FF0000);
        image.setRGB(1, 0, 0x8000FF00);
        image.setRGB(0, 1, 0xFF0000FF);
        image.setRGB(1, 1, 0x40FFFFFF);
        EventReader.Image logged = logImage(tmp, image);
        assertEquals(EventEncoder.COLORSPACE_RGBA, logged.colorspace());
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(logged.encoded()));
        assertEquals(4, decoded.getColorModel().getNumComponents());
        assertSamePixels(image, decoded);
    }

    @Test
    void otherLayoutsAreConvertedToRgb(@TempDir Path tmp) throws IOException {
        BufferedImage bgr = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        bgr.setRGB(0, 0, 0x123456);
        bgr.setRGB(2, 1, 0xABCDEF);
        EventReader.Image logged = logImage(tmp, bgr);
        assertEquals(EventEncoder.COLORSPACE_RGB, logged.colorspace());
        assertEquals(2, logged.height());
        assertEquals(3, logged.width());
        assertSamePixels(bgr, ImageIO.read(new ByteArrayInputStream(logged.encoded())));
    }

    @Test
    void closedWriterRejectsCallsAndCloseIsIdempotent(@TempDir Path tmp) throws IOException {
        TensorBoardWriter writer = new TensorBoardWriter(tmp, FIXED);
        writer.close();
        writer.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> writer.addScalar("x", 1, 0));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> writer.addScalars(Map.of(), 0));
        assertThrows(IllegalStateException.class, () -> writer.addImage("img", TensorBoardFixture.image(), 0));
        assertThrows(IllegalStateException.class, writer::flush);
        assertEquals(1, EventReader.readAll(writer.file()).size());
    }

    @Test
    void rejectsInvalidArguments(@TempDir Path tmp) throws IOException {
        try (TensorBoardWriter writer = new TensorBoardWriter(tmp, FIXED)) {
            assertThrows(NullPointerException.class, () -> writer.addScalar(null, 1, 0));
            assertThrows(IllegalArgumentException.class, () -> writer.addScalar(" ", 1, 0));
            assertThrows(IllegalArgumentException.class, () -> writer.addScalar("x", 1, -1));
            Map<String, Double> withNull = new LinkedHashMap<>();
            withNull.put("x", null);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> writer.addScalars(withNull, 0));
            assertTrue(e.getMessage().contains("'x'"), e.getMessage());
            assertThrows(NullPointerException.class, () -> writer.addImage("img", null, 0));
            assertEquals(1, EventReader.readAll(writerFileAfterFlush(writer)).size(), "nothing written");
        }
        assertThrows(IllegalArgumentException.class, () -> new TensorBoardWriter(tmp, "events.out", FIXED));
        assertThrows(IllegalArgumentException.class, () -> new TensorBoardWriter(tmp, "a/b.tfevents", FIXED));
        assertThrows(NullPointerException.class, () -> new TensorBoardWriter(tmp, (Clock) null));
    }

    @Test
    void explicitFileNameMustNotExist(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("events.out.tfevents.taken"), "keep me");
        assertThrows(FileAlreadyExistsException.class,
                () -> new TensorBoardWriter(tmp, "events.out.tfevents.taken", FIXED));
        assertEquals("keep me", Files.readString(tmp.resolve("events.out.tfevents.taken")));
    }

    @Test
    void concurrentWritersProduceIntactRecords(@TempDir Path tmp) throws Exception {
        int threads = 4;
        int perThread = 200;
        Path file;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (TensorBoardWriter writer = new TensorBoardWriter(tmp, FIXED)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String tag = "thread" + t;
                boolean images = t == 0;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        if (images && i % 50 == 0) {
                            writer.addImage(tag + "/img", TensorBoardFixture.image(), i);
                        }
                        writer.addScalar(tag, i, i);
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            file = writer.file();
        } finally {
            pool.shutdown();
        }
        List<EventReader.Event> events = EventReader.readAll(file);
        assertEquals(1 + threads * perThread + perThread / 50, events.size());
        Set<String> seen = new HashSet<>();
        for (EventReader.Event event : events.subList(1, events.size())) {
            EventReader.Value value = event.values().get(0);
            if (value.image() == null) {
                assertEquals((float) event.step(), value.simpleValue());
                assertTrue(seen.add(value.tag() + "@" + event.step()), "duplicate " + value.tag());
            }
        }
        assertEquals(threads * perThread, seen.size());
    }

    private static Path writerFileAfterFlush(TensorBoardWriter writer) throws IOException {
        writer.flush();
        return writer.file();
    }

    private static EventReader.Image logImage(Path dir, BufferedImage image) throws IOException {
        Path file;
        try (TensorBoardWriter writer = new TensorBoardWriter(dir, "events.out.tfevents.img", FIXED)) {
            writer.addImage("img", image, 5);
            file = writer.file();
        }
        List<EventReader.Event> events = EventReader.readAll(file);
        assertEquals(2, events.size());
        assertEquals(5, events.get(1).step());
        EventReader.Value value = events.get(1).values().get(0);
        assertEquals("img", value.tag());
        assertNull(value.simpleValue());
        return value.image();
    }

    private static void assertSamePixels(BufferedImage expected, BufferedImage actual) {
        assertEquals(expected.getWidth(), actual.getWidth());
        assertEquals(expected.getHeight(), actual.getHeight());
        boolean alpha = expected.getColorModel().hasAlpha();
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                int e = expected.getRGB(x, y);
                int a = actual.getRGB(x, y);
                if (alpha && (e >>> 24) == 0) {
                    assertEquals(0, a >>> 24, "alpha at (" + x + ", " + y + ")");
                } else {
                    assertEquals(Integer.toHexString(e), Integer.toHexString(a), "pixel (" + x + ", " + y + ")");
                }
            }
        }
    }

    /** Advances one second per reading; deterministic per-event wall times. */
    private static final class TickingClock extends Clock {
        private Instant next;

        TickingClock(Instant start) {
            this.next = start;
        }

        @Override
        public synchronized Instant instant() {
            Instant now = next;
            next = next.plusSeconds(1);
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }
}
