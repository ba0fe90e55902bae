package ldm4j.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import javax.imageio.ImageIO;

import ldm4j.bench.MemoryProbe;
import ldm4j.io.DType;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorsTest {

    @Test
    void floatsLongsAndBytesRoundTrip() {
        try (StepScope s = StepScope.open()) {
            float[] v = {1.5f, -2f, 3.25f, 0f, 7f, -0.5f};
            Tensor t = Tensors.fromFloats(v, 2, 3);
            assertArrayEquals(new long[]{2, 3}, Tensors.shape(t));
            assertArrayEquals(v, Tensors.toFloats(t));
            assertArrayEquals(new float[]{1.5f, 0f, -2f, 7f, 3.25f, -0.5f}, Tensors.toFloats(t.t()), "non-contiguous view");
            long[] l = {3, -1, 1L << 40};
            assertArrayEquals(l, Tensors.toLongs(Tensors.fromLongs(l, 3)));
            Tensor b = Tensors.fromBytes(new byte[]{(byte) 200, 1}, 2);
            assertArrayEquals(new float[]{200f, 1f}, Tensors.toFloats(b));
            assertThrows(IllegalArgumentException.class, () -> Tensors.fromFloats(v, 4, 2));
        }
    }

    @Test
    void hostTensorsRoundTripThroughSafetensors(@TempDir Path dir) throws Exception {
        try (StepScope s = StepScope.open()) {
            Tensor w = torch.arange(new Scalar(12)).to(torch.ScalarType.Float)
                    .div_(new Scalar(3)).reshape(3, 4);
            Tensor bf = w.to(torch.ScalarType.BFloat16);
            Path f = dir.resolve("w.safetensors");
            Safetensors.write(f, Map.of("w", Tensors.toHost(w), "w_bf16", Tensors.toHost(bf)), Map.of());
            try (SafetensorsFile in = Safetensors.read(f)) {
                HostTensor h = in.requireShape("w", DType.F32, 3, 4);
                Tensor back = Tensors.fromHost(h);
                assertArrayEquals(Tensors.toFloats(w), Tensors.toFloats(back));
                HostTensor hb = in.get("w_bf16");
                assertEquals(DType.BF16, hb.dtype());
                assertArrayEquals(Tensors.toFloats(bf), hb.toFloats(), "bf16 bits decoded like libtorch");
                assertTrue(Tensors.same(torch.ScalarType.BFloat16, Tensors.fromHost(hb).scalar_type()));
            }
            HostTensor empty = Tensors.toHost(torch.zeros(0, 3));
            assertEquals(0, Tensors.fromHost(empty).numel());
        }
    }

    @Test
    void gridLaysOutImagesAndMapsRange(@TempDir Path dir) throws Exception {
        // 3 images 2x2: all -1 (black), all 1 (white), all 0 (grey 128)
        float[] x = new float[3 * 3 * 4];
        Arrays.fill(x, 0, 12, -1f);
        Arrays.fill(x, 12, 24, 1f);
        BufferedImage g = ImageGrid.of(x, 3, 2, 2, 2, 1);
        assertEquals(2 * 2 + 3, g.getWidth());
        assertEquals(2 * 2 + 3, g.getHeight());
        assertEquals(0x000000, g.getRGB(1, 1) & 0xFFFFFF);
        assertEquals(0xFFFFFF, g.getRGB(4, 1) & 0xFFFFFF);
        assertEquals(0x808080, g.getRGB(1, 4) & 0xFFFFFF);
        Path png = dir.resolve("g.png");
        ImageGrid.writePng(g, png);
        BufferedImage back = ImageIO.read(png.toFile());
        assertEquals(g.getRGB(4, 1), back.getRGB(4, 1));
        assertEquals(1, Files.list(dir).count(), "no temporary file left");
        assertEquals(0, ImageGrid.toByte(-3f));
        assertEquals(255, ImageGrid.toByte(2f));
    }

    /**
     * 200 steps of 3 MB of tensors each: the process's resident memory stays flat once the allocator has
     * warmed up (a scope that freed nothing would add about 450 MB). RSS, not JavaCPP's
     * {@code Pointer.totalBytes()}: that counts only what JavaCPP allocates, not libtorch's tensor storage.
     */
    @Test
    void stepScopesKeepResidentMemoryFlat() {
        long before = 0;
        for (int i = 0; i < 200; i++) {
            try (StepScope s = StepScope.open()) {
                Tensor a = torch.randn(512, 512);                                  // (512, 512), 1 MB
                Tensor b = a.mul(a).add(a);                                       // 2 MB more
                assertEquals(1, Tensors.toFloats(b.sum()).length);
            }
            if (i == 49) {
                before = MemoryProbe.rss();
            }
        }
        long grew = MemoryProbe.rss() - before;
        assertTrue(before > 0, "no VmRSS in /proc/self/status");
        assertTrue(grew < 64 << 20, "resident memory grew by " + (grew >> 20) + " MB over 150 steps");
    }

    @Test
    void keptTensorsOutliveTheirScope() {
        Tensor kept;
        try (StepScope s = StepScope.open()) {
            kept = s.keep(torch.ones(3).mul(new Scalar(2)));
        }
        assertArrayEquals(new float[]{2f, 2f, 2f}, Tensors.toFloats(kept));
        kept.releaseReference();
    }

    @Test
    void devicesParseAndFallBack() {
        assertEquals(Devices.Kind.AUTO, Devices.parse("auto"));
        assertThrows(ldm4j.LdmException.class, () -> Devices.parse("tpu")); // an input error: exit 2
        if (!Devices.cudaAvailable()) {
            assertEquals(torch.DeviceType.CPU.value, Devices.resolve("auto").type().value);
            ldm4j.LdmException e = assertThrows(ldm4j.LdmException.class, () -> Devices.resolve("cuda"));
            assertTrue(e.getMessage().contains("--device cpu"));
        }
    }
}
