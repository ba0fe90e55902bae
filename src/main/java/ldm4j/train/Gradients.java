package ldm4j.train;

import java.util.List;

import org.bytedeco.pytorch.Tensor;

/** What the optimizers do to their parameters' gradients between steps. */
final class Gradients {
    private Gradients() {
    }

    /**
     * Drops every parameter's gradient (PyTorch's {@code zero_grad(set_to_none=True)}): the next backward
     * pass writes fresh gradients instead of adding to zeroed ones, which saves two passes over all of them
     * per step. A parameter that then gets no gradient keeps none, and the optimizers skip it.
     */
    static void drop(List<Tensor> params) {
        Tensor none = new Tensor();
        for (Tensor p : params) {
            p.mutable_grad().put(none);
        }
    }
}
