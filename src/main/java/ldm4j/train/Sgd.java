package ldm4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ldm4j.nn.StateDict;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * SGD with momentum, optionally Nesterov (Sutskever et al. 2013), and coupled L2 weight decay,
 * computed exactly as {@code torch.optim.SGD} with dampening 0:
 * {@code d = g + wd p; b = mu b + d (b = d on the first step); d = nesterov ? d + mu b : b; p -= lr d}.
 * The learning rate is passed to every {@link #step(double)}.
 */
public final class Sgd {
    private final List<Tensor> params = new ArrayList<>();
    private final List<Tensor> buffers = new ArrayList<>();
    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;
    private long steps;

    public Sgd(Module module, double momentum, double weightDecay, boolean nesterov) {
        if (momentum < 0 || momentum >= 1 || weightDecay < 0) {
            throw new IllegalArgumentException("momentum must be in [0, 1) and weight decay >= 0");
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        for (Map.Entry<String, Tensor> e : StateDict.parameters(module).entrySet()) {
            if (e.getValue().requires_grad()) {
                params.add(e.getValue());
                buffers.add(torch.zeros_like(e.getValue()));
            }
        }
    }

    public long steps() {
        return steps;
    }

    public void zeroGrad() {
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g.defined()) {
                g.zero_();
            }
        }
    }

    /** One update with learning rate {@code lr}; parameters without a gradient are skipped. */
    public void step(double lr) {
        try (NoGradGuard guard = new NoGradGuard()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor g = p.grad();
                if (!g.defined()) {
                    continue;
                }
                Tensor d = weightDecay != 0 ? g.add(p, new Scalar(weightDecay)) : g;   // g + wd p
                Tensor b = buffers.get(i);
                if (momentum != 0) {
                    if (steps == 0) {
                        b.copy_(d);
                    } else {
                        b.mul_(new Scalar(momentum)).add_(d);                         // b = mu b + d
                    }
                    d = nesterov ? d.add(b, new Scalar(momentum)) : b;
                }
                p.sub_(d, new Scalar(lr));                                            // p -= lr d
            }
        }
        steps++;
    }
}
