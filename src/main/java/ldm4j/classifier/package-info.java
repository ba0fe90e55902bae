/**
 * The evaluation classifier: ResNet-9 on CIFAR-sized images, its augmentation, trainer and checkpoint, and
 * the {@code FeatureExtractor} interface through which evaluation measures distances. Layer: networks and
 * their stages. It may use its own layer ({@code autoencoder}, {@code latents}, {@code unet}, {@code dit},
 * {@code classifier}) and the layers above it: {@code config}, {@code io}, {@code torch}, {@code nn}, {@code
 * train}, {@code distributed}, {@code data}, {@code diffusion}.
 */
package ldm4j.classifier;
