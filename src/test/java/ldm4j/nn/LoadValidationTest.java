package ldm4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.autoencoder.LatentNormalizer;
import ldm4j.io.DType;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.AdamW;
import ldm4j.train.Ema;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** Every loaded tensor is checked: the type the model expects and finiteness; a refused load changes nothing. */
class LoadValidationTest {
    private static final Path FILE = Path.of("unet.safetensors");

    private static HostTensor withValue(HostTensor t, int index, float v) {
        ByteBuffer b = ByteBuffer.allocate((int) t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(t.data()).flip();
        b.putFloat(index * 4, v);
        return new HostTensor(t.dtype(), t.shape(), b);
    }

    private static HostTensor relabelled(HostTensor t, DType d) {
        return new HostTensor(d, t.shape(), t.data());
    }

    @Test
    void nanWeightsAreRefusedAndNothingIsLoaded() {
        try (StepScope s = StepScope.open()) {
            StateDictTest.Net target = new StateDictTest.Net(4, 3);
            float[] before = Tensors.toFloats(StateDict.tensors(target).get("block.norm.weight"));
            Map<String, HostTensor> host = new LinkedHashMap<>(StateDict.toHost(new StateDictTest.Net(4, 3), ""));
            host.put("block.conv.weight", withValue(host.get("block.conv.weight"), 7, Float.NaN));
            FormatException e = assertThrows(FormatException.class, () -> StateDict.load(target, host, "", FILE));
            assertTrue(e.getMessage().contains("'block.conv.weight' holds NaN or infinite values (element 7)"), e.getMessage());
            assertArrayEquals(before, Tensors.toFloats(StateDict.tensors(target).get("block.norm.weight")));
            host.put("block.conv.weight", withValue(host.get("block.conv.weight"), 7, Float.NEGATIVE_INFINITY));
            assertThrows(FormatException.class, () -> StateDict.load(target, host, "", FILE));
        }
    }

    @Test
    void floatDataRelabelledAsIntegersIsRefused() {
        try (StepScope s = StepScope.open()) {
            Map<String, HostTensor> host = new LinkedHashMap<>(StateDict.toHost(new StateDictTest.Net(4, 3), ""));
            host.put("block.conv.bias", relabelled(host.get("block.conv.bias"), DType.I32));
            FormatException e = assertThrows(FormatException.class,
                    () -> StateDict.load(new StateDictTest.Net(4, 3), host, "", FILE));
            assertTrue(e.getMessage().contains("'block.conv.bias' is I32 but the model expects floating-point values (F32)"),
                    e.getMessage());
        }
    }

    @Test
    void optimizerAndEmaStateAreChecked() {
        try (StepScope s = StepScope.open()) {
            StateDictTest.Net net = new StateDictTest.Net(4, 3);
            AdamW opt = new AdamW(net, 0.9, 0.999, 1e-8, 0.0);
            Map<String, HostTensor> state = new LinkedHashMap<>(opt.state("opt."));
            String key = "opt.exp_avg_sq." + opt.names().get(0);
            state.put(key, withValue(state.get(key), 0, Float.POSITIVE_INFINITY));
            FormatException e = assertThrows(FormatException.class, () -> opt.load(state, "opt.", FILE));
            assertTrue(e.getMessage().contains(key), e.getMessage());

            Ema ema = new Ema(net, new StateDictTest.Net(4, 3), 0.999, false);
            Map<String, HostTensor> es = new LinkedHashMap<>(ema.state("ema."));
            es.put("ema.block.norm.bias", withValue(es.get("ema.block.norm.bias"), 1, Float.NaN));
            assertThrows(FormatException.class, () -> ema.load(es, "ema.", FILE));
        }
    }

    @Test
    void releaseFreesEveryTensor() {
        try (StepScope s = StepScope.open()) {
            StateDictTest.Net net = new StateDictTest.Net(4, 3);
            StateDict.release(net);
            for (var t : StateDict.tensors(net).values()) {
                Assertions.assertEquals(0, t.numel());
            }
        }
    }

    @Test
    void anInfiniteLatentMeanIsRefused() {
        Map<String, HostTensor> m = new LatentNormalizer(new float[]{0, 1}, new float[]{1, 2}).toHost();
        m.put("latent_norm.mean", HostTensor.ofFloats(new float[]{Float.POSITIVE_INFINITY, 0}, 2));
        FormatException e = assertThrows(FormatException.class, () -> LatentNormalizer.fromHost(m, Path.of("vae.safetensors")));
        assertTrue(e.getMessage().contains("mean must be finite"), e.getMessage());
    }

    @Test
    void aFloat16NormalizerIsAccepted() {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3C00).putShort((short) 0x4000).flip();
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("latent_norm.mean", new HostTensor(DType.F16, new long[]{2}, b));
        m.put("latent_norm.std", new HostTensor(DType.F16, new long[]{2}, b));
        LatentNormalizer n = LatentNormalizer.fromHost(m, Path.of("vae.safetensors"));
        assertArrayEquals(new float[]{1, 2}, n.std());
    }
}
