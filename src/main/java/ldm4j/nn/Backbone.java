package ldm4j.nn;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The network of the diffusion stage, whatever its architecture ({@code unet.model.type}): a function
 * {@code forward(x, t, y)} of noisy latents, times and classes to the raw output (the v-prediction), with its
 * dropout noise and its weights. Training, held-out evaluation, sampling, checkpoints, {@code bench} and the
 * Java API see only this; {@code ldm4j.unet.Backbones} builds one from the config.
 */
public interface Backbone {
    /**
     * @param x (B, C, S, S) noisy latents
     * @param t (B,) float times in [0, 1]
     * @param y (B,) int64 classes in [0, numClasses]; numClasses is the null (unconditional) class
     * @return (B, C, S, S) raw network output
     */
    Tensor forward(Tensor x, Tensor t, Tensor y);

    /** Every dropout mask of the next forward comes from {@code noise} (one training step's stream). */
    void dropoutNoise(DropoutNoise noise);

    /** The module: its parameters and buffers are the state dict, {@code train(false)} sets inference mode. */
    Module module();

    /** Real classes; class {@code numClasses} is the null class of classifier-free guidance. */
    int numClasses();

    /** Latent channels C (input and output). */
    int inChannels();

    /** Latent side S. */
    int latentSize();
}
