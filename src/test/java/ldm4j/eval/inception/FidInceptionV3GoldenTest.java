package ldm4j.eval.inception;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.npz.NpzReader;
import ldm4j.nn.StateDict;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FID Inception-v3 and its preprocessing against the PyTorch twin with the same procedural
 * weights (scripts/fixtures/make_inception_fixtures.py): pool, logits and spatial features within 1e-4
 * relative (of each vector's norm), the TF1 resize, and the weights loader.
 */
class FidInceptionV3GoldenTest {
    static NpzReader golden;
    static FidInceptionV3 model;
    static FidInceptionV3.Features features;

    @TempDir
    Path tmp;

    @BeforeAll
    static void run() throws Exception {
        golden = NpzReader.open(Path.of(FidInceptionV3GoldenTest.class.getResource("/fixtures/inception/random_twin.npz").toURI()));
        model = ProceduralInceptionWeights.model();
        try (InferenceMode m = new InferenceMode()) {
            features = model.features(images());
        }
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    static Tensor images() {
        return Tensors.fromHost(golden.hostTensor("images"));
    }

    static void assertClose(String name, Tensor got, double rel) {
        double[] want = golden.doubles(name);
        float[] g = Tensors.toFloats(got);
        assertEquals(want.length, g.length, name);
        double norm = 0;
        double err = 0;
        for (int i = 0; i < want.length; i++) {
            norm = Math.max(norm, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - g[i]));
        }
        assertTrue(err <= rel * norm, name + ": max error " + err + " vs max |value| " + norm);
    }

    @Test
    void poolLogitsAndSpatialFeaturesMatchTheTwin() {
        assertClose("pool", features.pool(), 1e-4);
        assertClose("logits", features.logits(), 1e-4);
        assertClose("spatial", features.spatial(), 1e-4);
        assertEquals(FidInceptionV3.POOL_DIM, features.pool().size(1));
        assertEquals(FidInceptionV3.LOGITS, features.logits().size(1));
        assertEquals(FidInceptionV3.SPATIAL_DIM, features.spatial().size(1));
    }

    @Test
    void preprocessesLikeTorchFidelity() {
        Tensor pre = FidInceptionV3.preprocess(images());                              // (2, 3, 299, 299)
        double[] want = golden.doubles("preprocessed_sum");
        for (int i = 0; i < 2; i++) {
            double got = pre.select(0, i).to(ScalarType.Double).sum().item_double();
            assertEquals(want[i], got, 1e-6 * 3 * 299 * 299, "image " + i);
        }
        Tensor in = Tensors.fromHost(golden.hostTensor("resize_in"));
        Tensor out = Tf1Resize.resize(in, 13, 4);
        double[] w = golden.doubles("resize_out");
        float[] g = Tensors.toFloats(out);
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], g[i], 1e-4, "resize " + i);
        }
    }

    @Test
    void loadsConvertedWeightsStrictlyAndNamesWhereToGetThem() throws Exception {
        Map<String, HostTensor> host = new LinkedHashMap<>();
        StateDict.toHost(model, "").forEach((k, v) -> {
            if (!k.endsWith("num_batches_tracked")) {                                  // as in the converted TF weights
                host.put(k, v);
            }
        });
        Path file = tmp.resolve("inception.safetensors");
        Safetensors.write(file, host);
        InceptionWeights.Loaded loaded = InceptionWeights.load(file);
        assertEquals(64, loaded.sha256().length());
        Map<String, Tensor> got = StateDict.tensors(loaded.model());
        StateDict.tensors(model).forEach((k, v) -> {
            if (!k.endsWith("num_batches_tracked")) {
                assertTrue(org.bytedeco.pytorch.global.torch.equal(v, got.get(k)), k);
            }
        });
        host.remove("Mixed_6d.branch1x1.bn.running_var");
        Path partial = tmp.resolve("partial.safetensors");
        Safetensors.write(partial, host);
        assertThrows(FormatException.class, () -> InceptionWeights.load(partial));
        LdmException missing = assertThrows(LdmException.class, () -> InceptionWeights.load(tmp.resolve("absent.npz")));
        assertTrue(missing.getMessage().contains("pt_inception-2015-12-05-6726825d.pth")
                && !missing.getMessage().contains("\n"), missing.getMessage());
    }
}
