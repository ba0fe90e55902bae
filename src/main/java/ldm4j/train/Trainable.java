package ldm4j.train;

import java.nio.file.Path;
import java.util.Map;

import ldm4j.io.HostTensor;

/**
 * What a trainer gives {@link TrainingLoop}: its step, its evaluation and its state. The loop owns
 * everything else about the life of a run (budget and signals, memory scope per step, divergence stop,
 * periodic and final checkpoints, exact resume, metrics cadence, progress).
 */
public interface Trainable {

    /**
     * One optimisation step, number {@code step} (0-based), run inside the loop's memory scope: sample
     * the batch, forward, loss, backward, clip, step (EMA). Every random draw comes from generators
     * derived from (seed, step), so a resumed run draws what an uninterrupted one would.
     *
     * @return the numbers to log; a non-finite one stops training as diverged
     */
    Map<String, Double> step(long step);

    /** Evaluates after {@code step} steps (every {@code evalEvery} steps and at the end) and logs it. */
    void evaluate(long step);

    /** Every tensor needed to continue exactly: weights, optimizer state, EMA. */
    Map<String, HostTensor> state();

    /** Provenance metadata of a checkpoint taken after {@code step} steps (the store adds the step). */
    Map<String, String> metadata(long step);

    /**
     * Restores {@link #state()} from a checkpoint, after checking that its metadata describes a run
     * this one can continue (architecture, parent artifact); names {@code file} in any refusal.
     */
    void restore(Map<String, HostTensor> tensors, Map<String, String> metadata, Path file);
}
