package ldm4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class StateDictTest {

    static final class Block extends Module {
        final GroupNormImpl norm;
        final Conv2dImpl conv;

        Block(int ch, int k) {
            norm = register_module("norm", Layers.groupNorm(2, ch));
            conv = register_module("conv", Layers.conv2d(ch, ch, k, 2, k / 2));
        }
    }

    static final class Net extends Module {
        final Block block; // Java-side modules must stay reachable (see ModuleList)

        Net(int ch, int k) {
            block = register_module("block", new Block(ch, k));
        }
    }

    @Test
    void namesAreDottedAndRoundTrip() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(1);
            Net a = new Net(4, 3);
            Map<String, HostTensor> host = StateDict.toHost(a, "model.");
            assertEquals(List.of("model.block.norm.weight", "model.block.norm.bias", "model.block.conv.weight",
                    "model.block.conv.bias"), List.copyOf(host.keySet()));
            assertArrayEquals(new long[]{4, 4, 3, 3}, host.get("model.block.conv.weight").shape());
            torch.manual_seed(2);
            Net b = new Net(4, 3);
            StateDict.load(b, host, "model.", Path.of("x.safetensors"));
            for (String k : StateDict.tensors(a).keySet()) {
                assertArrayEquals(Tensors.toFloats(StateDict.tensors(a).get(k)), Tensors.toFloats(StateDict.tensors(b).get(k)));
            }
            assertEquals(4 + 4 + 144 + 4, StateDict.parameterCount(a));
            // the conv really has stride 2 and padding 1: (1,4,8,8) -> (1,4,4,4)
            Tensor y = new Block(4, 3).conv.forward(torch.randn(1, 4, 8, 8));
            assertArrayEquals(new long[]{1, 4, 4, 4}, Tensors.shape(y));
        }
    }

    @Test
    void mismatchesAreNamed() {
        try (StepScope s = StepScope.open()) {
            Map<String, HostTensor> host = StateDict.toHost(new Net(4, 3), "");
            FormatException shape = assertThrows(FormatException.class,
                    () -> StateDict.load(new Net(4, 5), host, "", Path.of("ck.safetensors")));
            assertTrue(shape.getMessage().contains("block.conv.weight is [4, 4, 3, 3] but the model has [4, 4, 5, 5]"),
                    shape.getMessage());
            FormatException names = assertThrows(FormatException.class,
                    () -> StateDict.load(new Net(4, 3), host, "vae.", Path.of("ck.safetensors")));
            assertTrue(names.getMessage().startsWith("ck.safetensors: does not match the model 'vae.'"), names.getMessage());
            assertTrue(names.getMessage().contains("missing: block.conv.bias"), names.getMessage());
        }
    }
}
