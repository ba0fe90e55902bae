package ldm4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * AdamW (Loshchilov &amp; Hutter 2019), computed exactly as {@code torch.optim.AdamW} (decoupled
 * weight decay, bias-corrected moments), with its state in plain named tensors so that it is saved
 * in safetensors checkpoints and restored bit for bit. The learning rate is passed to every
 * {@link #step(double)}, so schedules stay outside the optimizer.
 */
public final class AdamW {
    private final List<String> names = new ArrayList<>();
    private final List<Tensor> params = new ArrayList<>();
    private final List<Tensor> expAvg = new ArrayList<>();
    private final List<Tensor> expAvgSq = new ArrayList<>();
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private long steps;

    public AdamW(Module module, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        Map<String, Tensor> named = StateDict.parameters(module);
        for (Map.Entry<String, Tensor> e : named.entrySet()) {
            if (!e.getValue().requires_grad()) {
                continue;
            }
            names.add(e.getKey());
            params.add(e.getValue());
            expAvg.add(torch.zeros_like(e.getValue()));
            expAvgSq.add(torch.zeros_like(e.getValue()));
        }
    }

    /** The parameters this optimizer updates (for gradient clipping). */
    /** The parameters it updates, in order (the live tensors; no copy). */
    public List<Tensor> parameterList() {
        return Collections.unmodifiableList(params);
    }

    public TensorVector parameters() {
        return new TensorVector(params.toArray(new Tensor[0]));
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
        steps++;
        double bias1 = 1 - Math.pow(beta1, steps);
        double bias2 = 1 - Math.pow(beta2, steps);
        double stepSize = lr / bias1;
        double bias2Sqrt = Math.sqrt(bias2);
        try (NoGradGuard guard = new NoGradGuard()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor g = p.grad();
                if (!g.defined()) {
                    continue;
                }
                if (weightDecay != 0) {
                    p.mul_(new Scalar(1 - lr * weightDecay));                   // decoupled decay
                }
                expAvg.get(i).lerp_(g, new Scalar(1 - beta1));                  // m = b1 m + (1 - b1) g
                expAvgSq.get(i).mul_(new Scalar(beta2)).addcmul_(g, g, new Scalar(1 - beta2)); // v = b2 v + (1 - b2) g^2
                Tensor denom = expAvgSq.get(i).sqrt().div_(new Scalar(bias2Sqrt)).add_(new Scalar(eps));
                p.addcdiv_(expAvg.get(i), denom, new Scalar(-stepSize));        // p -= lr / b1c * m / denom
            }
        }
    }

    /** Optimizer state as named host tensors: {@code prefix + "exp_avg." + param}, ... and the step count. */
    public Map<String, HostTensor> state(String prefix) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(prefix + "exp_avg." + names.get(i), Tensors.toHost(expAvg.get(i)));
            out.put(prefix + "exp_avg_sq." + names.get(i), Tensors.toHost(expAvgSq.get(i)));
        }
        out.put(prefix + "step", HostTensor.ofLongs(new long[]{steps}));
        return out;
    }

    /** Restores the state written by {@link #state(String)}; errors name the file and what differs. */
    public void load(Map<String, HostTensor> source, String prefix, Path file) {
        long step = OptimizerState.step(source, prefix, file);
        OptimizerState.restore(source, prefix, List.of("exp_avg.", "exp_avg_sq."), names, List.of(expAvg, expAvgSq), file);
        steps = step;
    }

    /** Convenience: parameter names in update order. */
    public List<String> names() {
        return List.copyOf(names);
    }
}
