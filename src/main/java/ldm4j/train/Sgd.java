package ldm4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ldm4j.io.HostTensor;
import ldm4j.nn.StateDict;
import ldm4j.torch.Tensors;
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
    private final List<String> names = new ArrayList<>();
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
                names.add(e.getKey());
                params.add(e.getValue());
                buffers.add(torch.zeros_like(e.getValue()));
            }
        }
    }

    /** The parameters it updates, in order. */
    public List<Tensor> parameters() {
        return List.copyOf(params);
    }

    public long steps() {
        return steps;
    }

    /** Drops the gradients of every parameter ({@link Gradients#drop}). */
    public void zeroGrad() {
        Gradients.drop(params);
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

    /** Optimizer state as named host tensors: {@code prefix + "momentum." + param} and the step count. */
    public Map<String, HostTensor> state(String prefix) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(prefix + "momentum." + names.get(i), Tensors.toHost(buffers.get(i)));
        }
        out.put(prefix + "step", HostTensor.ofLongs(new long[]{steps}));
        return out;
    }

    /** Restores the state written by {@link #state(String)}; errors name the file and what differs. */
    public void load(Map<String, HostTensor> source, String prefix, Path file) {
        long step = OptimizerState.step(source, prefix, file);
        OptimizerState.restore(source, prefix, List.of("momentum."), names, List.of(buffers), file);
        steps = step;
    }
}
