package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.config.ConfigResolver;
import ldm4j.data.SyntheticData;
import ldm4j.io.Safetensors;
import ldm4j.latents.LatentPipelineTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A seconds-long smoke run of the benchmark harness (no timing assertions). */
@Tag("slow") // benchmark runs: left out of ./mvnw test -Pfast
class BenchCommandTest {

    @Test
    void printsATableAndWritesJson(@TempDir Path dir) throws Exception {
        SyntheticData.imageFolder(dir.resolve("ds"), List.of("train", "test"), List.of("a", "b"), 4, 16);
        Path cfg = Files.writeString(dir.resolve("c.json"), new ConfigResolver().toJson(LatentPipelineTest.smallConfig()));
        Path json = dir.resolve("bench.json");
        for (String target : List.of("vae", "unet", "encode", "sample", "data")) {
            Files.deleteIfExists(json); // each target writes its own
            String precision = target.equals("unet") || target.equals("sample") ? "bf16" : "fp32";
            CliTest.Result r = CliTest.run("bench", target, "--precision", precision, "--config", cfg.toString(), "--batch", "2", "--steps", "2",
                    "--warmup", "1", "--sample-steps", "2", "--data", "folder:" + dir.resolve("ds"), "--json", json.toString(),
                    "--matmul-size", "64");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("median ms"), r.out());
            assertTrue(r.out().contains(", allocator " + BenchCommand.allocator()), "the header names the allocator: " + r.out());
            JsonNode doc = new ObjectMapper().readTree(json.toFile());
            assertEquals(BenchCommand.allocator(), doc.get("allocator").asText());
            JsonNode row = doc.get("results").get(0);
            assertTrue(row.get("medianMs").asDouble() > 0, row.toString());
            assertTrue(row.get("imagesPerSecond").asDouble() > 0, row.toString());
            assertEquals(target.equals("data") ? "fp32" : precision, row.get("precision").asText(), row.toString());
            if (!target.equals("data")) {
                assertEquals(64, doc.get("matmul").get("size").asInt(), doc.toString());
                assertTrue(row.get("gflop").asDouble() > 0 && row.get("gflopPerSecond").asDouble() > 0, row.toString());
                assertTrue(row.get("matmulFraction").asDouble() > 0, row.toString());
                assertTrue(r.out().contains("GFLOP/s"), r.out());
            } else {
                assertEquals(0, row.get("gflop").asDouble(), row.toString());
                assertTrue(row.get("matmulFraction").isNull(), row.toString());
            }
        }
        CliTest.Result agree = CliTest.run("bench", "agree", "--config", cfg.toString(), "--batch", "2", "--agree-dir",
                dir.resolve("agree").toString());
        assertEquals(0, agree.code(), agree.err());
        try (var f = Safetensors.read(dir.resolve("agree/agree-vae.safetensors"))) {
            for (String k : List.of("x", "eps", "out.xhat", "loss.total", "grad_norm.vae", "grad_norm.disc", "vae.decoder.conv_out.weight")) {
                assertTrue(f.metadata().containsKey("config") && f.getAll().containsKey(k), k);
            }
            assertTrue(f.get("grad_norm.vae").toFloats()[0] > 0, "a real backward pass");
        }
        try (var f = Safetensors.read(dir.resolve("agree/agree-unet.safetensors"))) {
            assertTrue(f.getAll().containsKey("out.v") && f.getAll().containsKey("loss.v_mse"), "UNet outputs exported");
            assertTrue(maxAbs(f.get("out.v").toFloats()) > 0, "perturbed weights give a non-zero v");
        }
        CliTest.Result dit = CliTest.run("bench", "agree", "--config", cfg.toString(), "--batch", "2", "--agree-dir",
                dir.resolve("agree-dit").toString(), "--set", "unet.model.type=dit", "--set", "unet.model.dit.size=DiT-T/2");
        assertEquals(0, dit.code(), dit.err());
        try (var f = Safetensors.read(dir.resolve("agree-dit/agree-unet.safetensors"))) {
            // what bench/python/agree.py needs to rebuild the DiT twin: its type and size, DiT's state-dict names
            JsonNode model = new ObjectMapper().readTree(f.metadata().get("config")).path("unet").path("model");
            assertEquals("dit", model.path("type").asText());
            assertEquals("DiT-T/2", model.path("dit").path("size").asText());
            for (String k : List.of("unet.x_embedder.proj.weight", "unet.pos_embed", "unet.blocks.5.adaLN_modulation.1.weight",
                    "unet.final_layer.linear.weight", "z", "eps", "t", "y", "out.v", "loss.v_mse", "grad_norm.unet")) {
                assertTrue(f.getAll().containsKey(k), k);
            }
            assertTrue(maxAbs(f.get("out.v").toFloats()) > 0, "perturbed weights give a non-zero v");
            assertTrue(f.get("grad_norm.unet").toFloats()[0] > 0, "a real backward pass");
        }
        CliTest.Result bad = CliTest.run("bench", "gpu");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown bench target 'gpu'"), bad.err());
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
