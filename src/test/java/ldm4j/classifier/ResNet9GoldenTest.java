package ldm4j.classifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.autoencoder.Golden;
import ldm4j.config.ClassifierConfig;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.nn.StateDict;
import ldm4j.train.Sgd;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * ResNet-9, its label-smoothed loss and two Nesterov SGD steps against the PyTorch reference
 * (scripts/reference/classifier_reference.py; fixtures by scripts/fixtures/make_classifier_fixtures.py).
 */
class ResNet9GoldenTest {
    static final Path FILE = Path.of("src/test/resources/fixtures/classifier/resnet9.safetensors");

    /** The ResNet-9 a fixture file describes (metadata {@code config}: widths, classes), with its {@code model.*} weights. */
    static ResNet9 modelOf(SafetensorsFile f, Path file) throws Exception {
        JsonNode cfg = new ObjectMapper().readTree(f.metadata().get("config"));
        ResNet9 model = new ResNet9(new ClassifierConfig(widthsOf(f), cfg.get("classes").asInt(), 6, 1, 0.1, 0, 0.9, 0, 0, 0, 0));
        StateDict.load(model, f.getAll(), "model.", file);
        return model;
    }

    /** The stage widths in a fixture file's metadata {@code config}. */
    static List<Integer> widthsOf(SafetensorsFile f) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode cfg = json.readTree(f.metadata().get("config"));
        return json.convertValue(cfg.get("widths"), json.getTypeFactory().constructCollectionType(List.class, Integer.class));
    }

    @Test
    void forwardLossGradientsAndSgdMatchPyTorch() throws Exception {
        try (SafetensorsFile f = Safetensors.read(FILE)) {
            JsonNode sgd = new ObjectMapper().readTree(f.metadata().get("sgd"));
            ResNet9 model = modelOf(f, FILE);
            Golden g = new Golden(f);
            Tensor x = g.tensor("x");
            model.train(false);
            try (NoGradGuard ng = new NoGradGuard()) {
                g.check("eval.features", model.features(x));
                g.check("eval.logits", model.forward(x));
            }
            model.train(true);
            double smoothing = sgd.get("smoothing").asDouble();
            Sgd opt = new Sgd(model, sgd.get("momentum").asDouble(), sgd.get("weightDecay").asDouble(), true);
            double lr = sgd.get("lr").asDouble();
            opt.zeroGrad();
            loss(model.forward(g.tensor("x0")), g.tensor("y0"), smoothing).backward();
            opt.step(lr);
            compareState(g, model, "mid.");
            opt.zeroGrad();
            Tensor logits = model.forward(x);
            Tensor loss = loss(logits, g.tensor("y"), smoothing);
            loss.backward();
            g.check("train.logits", logits);
            g.check("train.loss", loss.item_double());
            Map<String, Tensor> p = StateDict.parameters(model);
            g.check("grad.fc.weight", p.get("fc.weight").grad());
            g.check("grad.prep.conv.weight", p.get("prep.conv.weight").grad());
            opt.step(lr);
            int compared = compareState(g, model, "after.");
            assertTrue(compared > 30, "every parameter and running statistic compared: " + compared);
            assertEquals(2, opt.steps());
            System.out.println("classifier golden: worst relative error " + g.worst());
        }
    }

    static Tensor loss(Tensor logits, Tensor labels, double smoothing) {
        return torch.cross_entropy_loss(logits, labels, new TensorOptional(), 1, -100, smoothing);
    }

    /** Parameters and float buffers (running mean/var) against {@code prefix + name}. */
    static int compareState(Golden g, ResNet9 model, String prefix) {
        int n = 0;
        for (Map.Entry<String, Tensor> e : StateDict.tensors(model).entrySet()) {
            if (e.getKey().endsWith("num_batches_tracked")) {
                continue;
            }
            g.check(prefix + e.getKey(), e.getValue());
            n++;
        }
        return n;
    }
}
