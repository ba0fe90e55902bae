/**
 * {@code report.html} of a run: one self-contained page with the config, loss curves as inline SVG,
 * reconstruction and sample grids and the evaluation table. Layer: tools. It may use its own layer ({@code
 * report}, {@code bench}, {@code serve}) and every layer above it, from the foundations to {@code sample},
 * {@code eval} and {@code LatentDiffusion}.
 */
package ldm4j.report;
