package ldm4j.torch;

import java.util.function.Supplier;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs one network block in its own memory scope and keeps only its output, which moves to the
 * enclosing scope. Inside a step scope every intermediate tensor handle otherwise lives until the
 * step ends, so a forward pass in inference mode held all activations of the network at once where
 * PyTorch frees each as soon as nothing refers to it (measured: encoder at batch 250 peaked at 1.54 GB
 * vs 0.58 GB in PyTorch). Autograd keeps its own references to what backward needs, so this is safe
 * in training too. Without an enclosing scope it just runs the block.
 */
public final class BlockScope {
    private BlockScope() {
    }

    /** {@code body.get()}, freeing every tensor it created except the one it returns. */
    public static Tensor call(Supplier<Tensor> body) {
        PointerScope outer = PointerScope.getInnerScope();
        if (outer == null) {
            return body.get();
        }
        try (PointerScope inner = new PointerScope()) {
            Tensor out = body.get();
            outer.attach(out); // one more reference, held by the enclosing scope; inner's is released on close
            return out;
        }
    }
}
