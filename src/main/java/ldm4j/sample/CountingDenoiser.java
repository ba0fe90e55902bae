package ldm4j.sample;

import java.util.concurrent.CancellationException;

import ldm4j.diffusion.Denoiser;
import org.bytedeco.pytorch.Tensor;

/**
 * Wraps the denoiser handed to a sampler: checks for cancellation before, and reports a finished
 * sampler step after, each network evaluation ({@code evalsPerStep} evaluations make one step:
 * 2 for Heun). The samplers stay pure functions that know nothing of progress or cancellation.
 */
final class CountingDenoiser implements Denoiser {
    private final Denoiser model;
    private final SampleListener listener;
    private final int evalsPerStep;
    private final int stepsBefore;
    private final int totalSteps;
    private int evals;

    CountingDenoiser(Denoiser model, SampleListener listener, int evalsPerStep, int stepsBefore, int totalSteps) {
        this.model = model;
        this.listener = listener;
        this.evalsPerStep = evalsPerStep;
        this.stepsBefore = stepsBefore;
        this.totalSteps = totalSteps;
    }

    @Override
    public Tensor v(Tensor x, double t, Tensor y) {
        if (listener.cancelled()) {
            throw new CancellationException("generation cancelled");
        }
        Tensor out = model.v(x, t, y);
        evals++;
        if (evals % evalsPerStep == 0) {
            listener.step(stepsBefore + evals / evalsPerStep, totalSteps);
        }
        return out;
    }
}
