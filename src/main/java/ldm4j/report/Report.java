package ldm4j.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.eval.RunMetrics;
import ldm4j.io.AtomicFiles;

/**
 * {@code <run>/report.html}: one self-contained page (inline SVG charts, images as data URIs, no
 * scripts) with the resolved config, the loss curves, the latest reconstruction grid, the sample
 * grids and the evaluation table with its floors. Sections carry stable ids (config, curves,
 * reconstructions, samples, evaluation) that the tests check. Missing artifacts are shown as missing.
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Report() {
    }

    /** Writes the report of {@code runDir} atomically and returns its path. */
    public static Path write(Path runDir) {
        Path file = runDir.resolve("report.html");
        try {
            AtomicFiles.writeBytes(file, render(runDir).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    static String render(Path runDir) throws IOException {
        RunMetrics m = RunMetrics.read(runDir.resolve("metrics.jsonl"));
        StringBuilder h = new StringBuilder();
        String name = runDir.toAbsolutePath().normalize().getFileName().toString();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ldm4j report: ")
                .append(Html.escape(name)).append("</title><style>")
                .append("body{font-family:sans-serif;max-width:1200px;margin:20px auto;padding:0 16px;color:#222}")
                .append("h1{font-size:24px}h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}")
                .append("table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}pre{background:#f6f6f6;padding:8px;max-height:400px;overflow:auto;font-size:12px}")
                .append(".charts{display:flex;flex-wrap:wrap;gap:12px}img.grid{image-rendering:pixelated;max-width:100%;border:1px solid #ccc}")
                .append(".missing{color:#a00}</style></head><body>\n");
        h.append("<h1>ldm4j run <code>").append(Html.escape(name)).append("</code></h1><p>Generated ")
                .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(" from ")
                .append(Html.escape(runDir.toAbsolutePath().normalize().toString())).append(".</p>\n");
        evaluation(h, runDir);
        curves(h, m);
        images(h, runDir);
        h.append("<section id=\"config\"><h2>Resolved configuration</h2>");
        Path cfg = runDir.resolve("config.json");
        if (Files.isRegularFile(cfg)) {
            h.append("<pre>").append(Html.escape(Files.readString(cfg))).append("</pre>");
        } else {
            h.append("<p class=\"missing\">config.json is missing.</p>");
        }
        h.append("</section>\n</body></html>\n");
        return h.toString();
    }

    private static void evaluation(StringBuilder h, Path runDir) throws IOException {
        h.append("<section id=\"evaluation\"><h2>Evaluation</h2>");
        Path file = runDir.resolve("eval.json");
        if (!Files.isRegularFile(file)) {
            h.append("<p class=\"missing\">No eval.json yet: run <code>bin/ldm4j eval --run ")
                    .append(Html.escape(runDir.toString())).append("</code> (needs a classifier from <code>bin/ldm4j train-classifier</code>).</p></section>\n");
            return;
        }
        JsonNode e = JSON.readTree(file.toFile());
        JsonNode s = e.path("settings");
        h.append(String.format(Locale.ROOT, "<p>%d samples (%d per class), %s %d steps, CFG %s, seed %d, %s weights; "
                        + "classifier test accuracy %.2f%%; reference: %s (%d images, round trip %s).</p>",
                s.path("samples").asInt(), s.path("per_class").asInt(), Html.escape(s.path("sampler").asText()),
                s.path("steps").asInt(), s.path("cfg").asText(), s.path("seed").asLong(), Html.escape(s.path("weights").asText()),
                100 * e.path("classifier").path("test_accuracy").asDouble(), Html.escape(e.path("reference").path("set").asText()),
                e.path("reference").path("images").asInt(), Html.escape(e.path("reference").path("round_trip").asText())));
        h.append("<table class=\"eval\"><tr><th>set vs real test</th><th>images</th><th>class accuracy</th>"
                + "<th>Frechet distance (penultimate)</th><th>Frechet distance (early layer)</th><th>precision (k=3)</th>"
                + "<th>recall (k=3)</th></tr>");
        row(h, "generated samples", e.path("samples"));
        row(h, "floor: real train images", e.path("floors").path("train_vs_test"));
        row(h, "floor: VAE reconstructions", e.path("floors").path("vae_reconstruction_vs_test"));
        h.append("</table><p>").append(Html.escape(e.path("floors").path("note").asText())).append("</p>");
        JsonNode per = e.path("samples").path("per_class_accuracy");
        if (per.isObject()) {
            h.append("<table class=\"per-class\"><tr><th>class</th><th>sample accuracy</th></tr>");
            for (Iterator<Map.Entry<String, JsonNode>> it = per.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> c = it.next();
                h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.1f%%</td></tr>", Html.escape(c.getKey()),
                        100 * c.getValue().asDouble()));
            }
            h.append("</table>");
        }
        JsonNode vae = e.path("vae");
        JsonNode unet = e.path("unet");
        h.append("<table class=\"stages\"><tr><th>stage figure</th><th>value</th></tr>");
        if (vae.has("mse")) {
            h.append(String.format(Locale.ROOT, "<tr><td>VAE test MSE ([-1, 1] scale, %d images)</td><td>%.5f</td></tr>"
                    + "<tr><td>VAE test PSNR</td><td>%.2f dB</td></tr>", vae.path("images").asInt(), vae.path("mse").asDouble(),
                    vae.path("psnr").asDouble()));
        }
        if (unet.has("heldout_v_mse_ema")) {
            h.append(String.format(Locale.ROOT, "<tr><td>UNet held-out v-MSE (EMA, step %d)</td><td>%.4f</td></tr>",
                    unet.path("step").asLong(), unet.path("heldout_v_mse_ema").asDouble()));
        }
        h.append("</table></section>\n");
    }

    private static void row(StringBuilder h, String label, JsonNode n) {
        if (n.isMissingNode()) {
            return;
        }
        JsonNode early = n.path("frechet_distance_early");                // absent in evaluations before it existed
        h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%.1f%%</td><td>%.2f</td><td>%s</td><td>%.3f</td><td>%.3f</td></tr>",
                Html.escape(label), n.path("images").asInt(), 100 * n.path("class_accuracy").asDouble(),
                n.path("frechet_distance").asDouble(), early.isNumber() ? String.format(Locale.ROOT, "%.4g", early.asDouble()) : "-",
                n.path("precision").asDouble(), n.path("recall").asDouble()));
    }

    private static void curves(StringBuilder h, RunMetrics m) {
        h.append("<section id=\"curves\"><h2>Training curves</h2><div class=\"charts\">");
        Predicate<JsonNode> vaeRow = r -> r.has("rec");
        Predicate<JsonNode> unetRow = r -> r.has("ema_decay");
        h.append(SvgChart.render("VAE reconstruction MSE", "step", List.of(
                series("train (batch)", m.all("train"), vaeRow, "rec"),
                series("test subset", m.all("test"), r -> true, "mse")), true));
        h.append(SvgChart.render("VAE KL per latent element", "step", List.of(
                series("KL", m.all("train"), vaeRow, "kl")), false));
        h.append(SvgChart.render("VAE adversarial and feature matching", "step", List.of(
                series("adversarial", m.all("train"), vaeRow, "adv"),
                series("feature matching", m.all("train"), vaeRow, "fm"),
                series("discriminator loss", m.all("train"), vaeRow, "disc_loss")), false));
        h.append(SvgChart.render("Discriminator patch accuracy", "step", List.of(
                series("on its (noisy) inputs", m.all("train"), vaeRow, "disc_accuracy"),
                series("on clean images", m.all("train"), vaeRow, "disc_accuracy_clean")), false));
        h.append(SvgChart.render("UNet v-MSE", "step", List.of(
                series("train loss (batch)", m.all("train"), unetRow, "loss"),
                series("held-out, raw", m.all("heldout_raw"), r -> true, "mean"),
                series("held-out, EMA", m.all("heldout_ema"), r -> true, "mean")), false));
        h.append("</div></section>\n");
    }

    /**
     * One curve: the last row per step, in step order. A resumed run logs again the steps between its
     * checkpoint and the interruption; the later rows are the ones the run continued from.
     */
    static SvgChart.Series series(String name, List<JsonNode> rows, Predicate<JsonNode> keep, String field) {
        TreeMap<Double, Double> byStep = new TreeMap<>();
        for (JsonNode r : rows) {
            if (keep.test(r) && r.has(field) && r.get(field).isNumber() && r.path("step").isNumber()) {
                byStep.put(r.path("step").asDouble(), r.get(field).asDouble());
            }
        }
        return new SvgChart.Series(name, byStep.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                byStep.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void images(StringBuilder h, Path runDir) throws IOException {
        h.append("<section id=\"reconstructions\"><h2>VAE reconstructions</h2>");
        Optional<Path> recon = latest(runDir.resolve("images"), "recon-");
        if (recon.isPresent()) {
            h.append("<p>").append(Html.escape(recon.get().getFileName().toString()))
                    .append(": originals on top, reconstructions below.</p>").append(img(recon.get()));
        } else {
            h.append("<p class=\"missing\">No reconstruction grid yet (written by train-vae).</p>");
        }
        h.append("</section>\n<section id=\"samples\"><h2>Samples</h2>");
        boolean any = false;
        for (Path p : List.of(runDir.resolve("samples.png"), runDir.resolve("images").resolve("eval-samples.png"))) {
            if (Files.isRegularFile(p)) {
                h.append("<p>").append(Html.escape(runDir.relativize(p).toString())).append(": one row per class.</p>").append(img(p));
                any = true;
            }
        }
        if (!any) {
            h.append("<p class=\"missing\">No samples yet (bin/ldm4j sample).</p>");
        }
        h.append("</section>\n");
    }

    private static Optional<Path> latest(Path dir, String prefix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".png")).max(Path::compareTo);
        }
    }

    private static String img(Path png) throws IOException {
        return "<img class=\"grid\" alt=\"" + Html.escape(png.getFileName().toString()) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(Files.readAllBytes(png)) + "\">";
    }
}
