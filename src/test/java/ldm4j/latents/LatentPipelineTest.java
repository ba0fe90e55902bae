package ldm4j.latents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ldm4j.LdmException;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.autoencoder.VaeTrainer;
import ldm4j.autoencoder.VaeTrainerTest;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.data.DataSpec;
import ldm4j.data.ImageDataset;
import ldm4j.data.RawImage;
import ldm4j.data.Splits;
import ldm4j.data.SyntheticData;
import ldm4j.data.Transform;
import ldm4j.io.DType;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.torch.Devices;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Budget;
import ldm4j.train.RunDir;
import ldm4j.unet.UnetCheckpoints;
import ldm4j.unet.UnetTrainer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** encode -> latent cache -> train-unet on a tiny synthetic dataset. */
@Tag("slow") // training and encoding runs: left out of ./mvnw test -Pfast
public class LatentPipelineTest {
    @TempDir
    static Path shared;
    static Splits data;
    static Path run;
    static VaeCheckpoints.LoadedVae vae;
    static Config config;

    @BeforeAll
    static void trainTinyVae() throws Exception {
        SyntheticData.imageFolder(shared.resolve("ds"), List.of("train", "test"), List.of("a", "b", "c"), 8, 16);
        data = DataSpec.parse("folder:" + shared.resolve("ds")).open(shared, s -> { });
        config = smallConfig();
        run = shared.resolve("run");
        VaeTrainer.Outcome o = new VaeTrainer(config, RunDir.create(run), data, Devices.resolve("cpu"),
                new PrintWriter(new StringWriter())).train(Budget.unlimited(), false);
        vae = VaeCheckpoints.loadVae(o.vaeFile().orElseThrow());
    }

    /** A config small enough for every stage to run in seconds on 16x16 images of 3 classes. */
    public static Config smallConfig() {
        return new ConfigResolver().override(VaeTrainerTest.config("vae.train.steps=2"), List.of(
                "latents.shardSize=10", "latents.batchSize=7",
                "unet.model.channels=8", "unet.model.multipliers=[1,2]", "unet.model.resBlocks=1",
                "unet.model.attentionResolutions=[4]", "unet.model.headChannels=8", "unet.model.groups=4",
                "unet.model.numClasses=3", "unet.model.dropout=0.1",
                "unet.train.batchSize=4", "unet.train.steps=6", "unet.train.warmup=2", "unet.train.logEvery=2",
                "unet.train.evalEvery=3", "unet.train.evalLatents=5", "unet.train.checkpointEvery=2"));
    }

    static LatentCache.Manifest build(Path dir, String dtype, StringWriter log) {
        Map<String, ImageDataset> parts = new LinkedHashMap<>();
        parts.put("train", data.train());
        parts.put("test", data.requireTest());
        LatentCache.Key key = new LatentCache.Key(vae.sha256(), "folder:x", 16, "bicubic", dtype);
        return LatentCache.build(dir, key, parts, vae.vae(), new Transform(16, "bicubic"), Devices.resolve("cpu"), 7, 10, 1,
                new PrintWriter(log, true));
    }

    @Test
    void cacheHoldsBothFlipsMatchesTheEncoderAndIsReused(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        LatentCache.Manifest m = build(dir, "f32", log);
        assertEquals(Map.of("train", 24, "test", 24), m.counts());
        assertEquals(List.of("train-0000.safetensors", "train-0001.safetensors", "train-0002.safetensors"), m.shards().get("train"));
        assertEquals(4, m.channels());
        assertEquals(8, m.height());
        try (LatentSet train = LatentSet.open(dir, "train"); StepScope s = StepScope.open()) {
            assertEquals(24, train.size());
            assertEquals(2, train.label(23));
            int[] idx = {0, 13, 23};
            LatentSet.Moments plain = train.gather(idx, new boolean[3]);
            LatentSet.Moments flipped = train.gather(idx, new boolean[]{true, true, true});
            assertArrayEquals(new long[]{3, 4, 8, 8}, Tensors.shape(plain.mean()));
            assertArrayEquals(new long[]{0, 1, 2}, Tensors.toLongs(plain.labels()));
            // recompute image 13 with the encoder: same moments
            RawImage raw = data.train().load(13);
            float[] x = new Transform(16, "bicubic").apply(List.of(raw), new boolean[1]);
            Tensor mean = vae.vae().encode(Tensors.fromFloats(x, 1, 3, 16, 16)).mean();
            assertTrue(mean.sub(plain.mean().narrow(0, 1, 1)).abs().max().item_double() < 1e-5);
            // synthetic images are flat colours, so flipped and plain moments agree closely but are stored separately
            assertEquals(plain.mean().sizes().vec().get()[0], flipped.mean().sizes().vec().get()[0]);
        }
        StringWriter again = new StringWriter();
        build(dir, "f32", again);
        assertTrue(again.toString().contains("is up to date"), again.toString());
        StringWriter changed = new StringWriter();
        LatentCache.Manifest bf = build(dir, "bf16", changed);
        assertTrue(changed.toString().contains("rebuilding it"), changed.toString());
        assertEquals("bf16", bf.key().dtype());
        try (SafetensorsFile f = Safetensors.read(dir.resolve("train-0000.safetensors"))) {
            assertEquals(DType.BF16, f.info("mean").dtype());
        }
    }

    /** Left-right asymmetric images (a horizontal ramp per image), so a flip changes the latent. */
    static ImageDataset ramps(int n, int side) {
        return new ImageDataset() {
            public String source() {
                return "ramps";
            }

            public List<String> classes() {
                return List.of("a");
            }

            public int size() {
                return n;
            }

            public int label(int i) {
                return 0;
            }

            public RawImage load(int i) {
                byte[] p = new byte[3 * side * side];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < side; y++) {
                        for (int x = 0; x < side; x++) {
                            p[(c * side + y) * side + x] = (byte) (x * 255 / (side - 1) * (c + 1 + i) / (3 + i));
                        }
                    }
                }
                return new RawImage(p, side, side);
            }
        };
    }

    @Test
    void flippedEntriesAreTheEncoderOfTheFlippedImage(@TempDir Path dir) throws Exception {
        Map<String, ImageDataset> parts = new LinkedHashMap<>();
        parts.put("train", ramps(3, 16));
        LatentCache.Key key = new LatentCache.Key(vae.sha256(), "ramps", 16, "bicubic", "f32");
        LatentCache.build(dir, key, parts, vae.vae(), new Transform(16, "bicubic"), Devices.resolve("cpu"), 2, 10, 1,
                new PrintWriter(new StringWriter()));
        try (LatentSet train = LatentSet.open(dir, "train"); StepScope s = StepScope.open()) {
            int[] idx = {0, 1, 2};
            Tensor plain = train.gather(idx, new boolean[3]).mean();
            Tensor flipped = train.gather(idx, new boolean[]{true, true, true}).mean();
            List<RawImage> raw = List.of(parts.get("train").load(0), parts.get("train").load(1), parts.get("train").load(2));
            Tensor encPlain = vae.vae().encode(Tensors.fromFloats(new Transform(16, "bicubic").apply(raw, new boolean[3]), 3, 3, 16, 16)).mean();
            Tensor encFlip = vae.vae().encode(Tensors.fromFloats(new Transform(16, "bicubic").apply(raw,
                    new boolean[]{true, true, true}), 3, 3, 16, 16)).mean();
            double gap = encFlip.sub(encPlain).abs().max().item_double();
            assertTrue(gap > 1e-2, "the ramps must make flipped latents differ (gap " + gap + ")");
            assertTrue(plain.sub(encPlain).abs().max().item_double() < 1e-5, "plain entries are the encoder's");
            assertTrue(flipped.sub(encFlip).abs().max().item_double() < 1e-5, "flipped entries are the flipped image's");
        }
    }

    @Test
    void corruptShardIsRefusedWithAClearError(@TempDir Path dir) throws Exception {
        build(dir, "f32", new StringWriter());
        Path shard = dir.resolve("train-0001.safetensors");
        byte[] b = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(b, b.length / 2));
        FormatException e = assertThrows(FormatException.class, () -> LatentSet.open(dir, "train"));
        assertTrue(e.getMessage().startsWith(shard.toString()), e.getMessage());
        LdmException none = assertThrows(LdmException.class, () -> LatentSet.open(dir.resolve("empty"), "train"));
        assertTrue(none.getMessage().contains("run 'bin/ldm4j encode --run "), none.getMessage());
    }

    /** Ways a cache gets damaged; each returns the file the quick check must name, or null if only the checksum sees it. */
    enum Damage {
        TRUNCATED, EMPTY, GARBAGE, ONE_BYTE_FLIPPED, WRONG_DTYPE, WRONG_SHAPE, MISSING_SHARD, COUNTS_DISAGREE,
        NO_CHECKSUMS, MANIFEST_GARBAGE;

        Path apply(Path dir) throws Exception {
            Path shard = dir.resolve("train-0001.safetensors");
            Path manifest = dir.resolve("manifest.json");
            byte[] b = Files.readAllBytes(shard);
            switch (this) {
                case TRUNCATED -> Files.write(shard, Arrays.copyOf(b, b.length - 5));
                case EMPTY -> Files.write(shard, new byte[0]);
                case GARBAGE -> {
                    new Random(1).nextBytes(b);
                    Files.write(shard, b);
                }
                case ONE_BYTE_FLIPPED -> {
                    b[b.length - 1] ^= 1;
                    Files.write(shard, b);
                    return null;
                }
                case WRONG_DTYPE, WRONG_SHAPE -> {
                    Map<String, HostTensor> t = new LinkedHashMap<>();
                    try (SafetensorsFile f = Safetensors.read(shard)) {
                        t.putAll(f.getAll());
                        HostTensor m = t.get("mean");
                        long[] sh = m.shape();
                        t.put("mean", this == WRONG_DTYPE ? new HostTensor(DType.I32, sh, m.data())
                                : new HostTensor(m.dtype(), new long[]{sh[0], 2, sh[2], sh[3] * sh[4], 1}, m.data()));
                        b = Safetensors.toBytes(t, f.metadata());
                    }
                    Files.write(shard, b);
                }
                case MISSING_SHARD -> Files.delete(shard);
                case COUNTS_DISAGREE -> {
                    Files.writeString(manifest, Files.readString(manifest).replace("\"train\" : 24", "\"train\" : 25"));
                    return manifest;
                }
                case NO_CHECKSUMS -> {
                    var json = new ObjectMapper();
                    var node = (ObjectNode) json.readTree(manifest.toFile());
                    node.remove("files");
                    json.writeValue(manifest.toFile(), node);
                    return manifest;
                }
                case MANIFEST_GARBAGE -> {
                    Files.write(manifest, new byte[]{'{', 0, (byte) 0xff});
                    return manifest;
                }
            }
            return shard;
        }
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedCacheIsRefusedOnOpenAndRebuiltByEncode(Damage damage, @TempDir Path dir) throws Exception {
        build(dir, "f32", new StringWriter());
        Path named = damage.apply(dir);
        if (named != null) {
            LdmException e = assertThrows(LdmException.class, () -> LatentSet.open(dir, "train").close());
            assertTrue(e.getMessage().startsWith(named.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("encode --run "), e.getMessage());
        }
        StringWriter log = new StringWriter();
        build(dir, "f32", log);
        assertTrue(log.toString().contains("is damaged") && log.toString().contains("rebuilding it"), log.toString());
        try (LatentSet train = LatentSet.open(dir, "train")) {
            assertEquals(24, train.size());
        }
        StringWriter again = new StringWriter();
        build(dir, "f32", again);
        assertTrue(again.toString().contains("is up to date and intact"), again.toString());
    }

    @Test
    void unetResumeIsExactAndArtifactsLoad(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("latents");
        build(cache, "f32", new StringWriter());
        UnetTrainer.Outcome straight;
        UnetTrainer.Outcome rest;
        try (LatentSet train = LatentSet.open(cache, "train"); LatentSet test = LatentSet.open(cache, "test")) {
            straight = new UnetTrainer(config, RunDir.create(dir.resolve("a")), Devices.resolve("cpu"),
                    new PrintWriter(new StringWriter())).train(train, test, vae.normalizer(), vae.sha256(), Budget.unlimited(), false);
            UnetTrainer.Outcome half = new UnetTrainer(config, RunDir.create(dir.resolve("b")), Devices.resolve("cpu"),
                    new PrintWriter(new StringWriter())).train(train, test, vae.normalizer(), vae.sha256(), Budget.of(3L, null), false);
            assertEquals(3, half.step());
            rest = new UnetTrainer(config, RunDir.create(dir.resolve("b")), Devices.resolve("cpu"),
                    new PrintWriter(new StringWriter())).train(train, test, vae.normalizer(), vae.sha256(), Budget.unlimited(), true);
        }
        assertTrue(straight.finished() && rest.finished());
        Map<String, HostTensor> a = VaeTrainerTest.tensors(straight.checkpoint());
        Map<String, HostTensor> b = VaeTrainerTest.tensors(rest.checkpoint());
        assertEquals(a.keySet(), b.keySet());
        assertTrue(a.containsKey("ema.__updates") && a.containsKey("opt.step"));
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloats();
            float[] y = b.get(k).toFloats();
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-6, k + "[" + i + "]");
            }
        }
        assertEquals(straight.heldOutEma().get("mean"), rest.heldOutEma().get("mean"), 1e-6);
        assertEquals(10, straight.heldOutEma().size(), "mean + 9 times");
        UnetCheckpoints.LoadedUnet u = UnetCheckpoints.load(straight.unetFile().orElseThrow(), true, 4, 8);
        assertEquals(vae.sha256(), u.vaeSha256());
        try (StepScope s = StepScope.open()) {
            Tensor out = u.unet().forward(torch.randn(2, 4, 8, 8), torch.rand(2), Tensors.fromLongs(new long[]{0, 3}, 2));
            assertArrayEquals(new long[]{2, 4, 8, 8}, Tensors.shape(out));
        }
    }

    @Test
    void bf16CacheHoldsTheF32MomentsRoundedInHalfTheBytesAndTrains(@TempDir Path dir) throws Exception {
        Path f32 = dir.resolve("f32");
        Path bf16 = dir.resolve("bf16");
        build(f32, "f32", new StringWriter());
        build(bf16, "bf16", new StringWriter());
        long bytes32 = LatentCache.sizeBytes(f32);
        long bytes16 = LatentCache.sizeBytes(bf16);
        assertTrue(bytes16 < 0.55 * bytes32, "bf16 cache " + bytes16 + " bytes vs f32 " + bytes32);
        try (LatentSet a = LatentSet.open(f32, "test"); LatentSet b = LatentSet.open(bf16, "test"); StepScope s = StepScope.open()) {
            int[] idx = {0, 7, 23};
            boolean[] flip = {false, true, false};
            LatentSet.Moments m32 = a.gather(idx, flip);
            LatentSet.Moments m16 = b.gather(idx, flip);
            assertEquals(torch.ScalarType.Float.value, m16.mean().scalar_type().value);  // training sees fp32
            for (Tensor[] pair : new Tensor[][]{{m32.mean(), m16.mean()}, {m32.logvar(), m16.logvar()}}) {
                Tensor rounded = pair[0].to(torch.ScalarType.BFloat16).to(torch.ScalarType.Float);
                assertEquals(0.0, rounded.sub(pair[1]).abs().max().item_double(), "bf16 = the f32 moment rounded");
                assertTrue(pair[0].sub(pair[1]).abs().max().item_double() > 0, "the bf16 cache is really rounded");
            }
            assertArrayEquals(Tensors.toLongs(m32.labels()), Tensors.toLongs(m16.labels()));
        }
        UnetTrainer.Outcome o;
        try (LatentSet train = LatentSet.open(bf16, "train"); LatentSet test = LatentSet.open(bf16, "test")) {
            o = new UnetTrainer(config, RunDir.create(dir.resolve("run")), Devices.resolve("cpu"),
                    new PrintWriter(new StringWriter())).train(train, test, vae.normalizer(), vae.sha256(), Budget.unlimited(), false);
        }
        assertTrue(o.finished());
        assertTrue(Double.isFinite(o.heldOutEma().get("mean")) && o.heldOutEma().get("mean") > 0, o.heldOutEma().toString());
    }

    @Test
    void aShardThatWouldNotFitTheEncodersBuffersIsRefusedNamingTheBound() {
        // 256 px, f = 8: 2 flips x 4x32x32 per image = 32 KB in f32, 16 KB in bf16; 1 GiB per moment array
        List<String> at256 = List.of("data.resolution=256", "vae.model.multipliers=[1,1,2,2]",
                "unet.model.attentionResolutions=[16]", "latents.shardSize=40000");
        Config f32 = new ConfigResolver().override(config, concat(at256, "latents.dtype=f32"));
        LdmException e = assertThrows(LdmException.class, () -> LatentCache.requireShardFits(f32));
        assertTrue(e.getMessage().contains("latents.shardSize = 40000") && e.getMessage().contains("latents.shardSize <= 32768"),
                e.getMessage());
        LatentCache.requireShardFits(new ConfigResolver().override(config, concat(at256, "latents.dtype=bf16")));
        LatentCache.requireShardFits(new ConfigResolver().override(config, List.of("data.resolution=256",
                "vae.model.multipliers=[1,1,2,2]", "unet.model.attentionResolutions=[16]", "latents.shardSize=32768",
                "latents.dtype=f32")));
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> all = new ArrayList<>(a);
        all.add(b);
        return all;
    }
}
