package ldm4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import ldm4j.LatentDiffusion;
import ldm4j.config.SamplerKind;
import ldm4j.io.PngText;
import ldm4j.sample.FromPng;
import ldm4j.sample.TinyRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page of {@code serve} in a real browser: Debian's headless chromium driven by Selenium
 * through chromium-driver (.ci/run installs both). Skipped only outside CI when they are missing.
 */
@Tag("slow") // a browser: left out of ./mvnw test -Pfast
class ServeBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;

    static void requireBrowser() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && !"true".equals(System.getenv("CI"))) {
            Assumptions.abort("browser test skipped: " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing (apt-get install chromium chromium-driver; under CI=true this test fails instead)");
        }
        assertTrue(present, "CI needs " + CHROMIUM + " and " + CHROMEDRIVER + ": apt-get install chromium chromium-driver");
    }

    static WebDriver chromium(Path profile) {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900", "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();  // no Selenium Manager download
        return new ChromeDriver(service, o);
    }

    static byte[] fetch(String url) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url);
        return r.body();
    }

    static List<WebElement> images(WebDriver d) {
        return d.findElements(By.cssSelector("#gallery img"));
    }

    @Test
    void generateFromThePageShowsPngsWithSettingsAndReadableErrors() throws Exception {
        requireBrowser();
        try (LatentDiffusion ldm = LatentDiffusion.load(TinyRun.shared(), "cpu");
             Server server = new Server(ldm, new ServerOptions("127.0.0.1", 0, null, 4, 16, 1000, 32), new SplittableRandom(3),
                     new PrintWriter(new StringWriter()))) {
            WebDriver d = chromium(dir.resolve("profile"));
            try {
                WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(120));
                d.get("http://127.0.0.1:" + server.port() + "/");
                wait.until(x -> x.findElements(By.cssSelector("#class option")).size() == 4);   // 3 classes + "one of each"
                assertTrue(d.findElement(By.id("card-list")).getText().contains("blue, green, red"));
                Select sampler = new Select(d.findElement(By.id("sampler")));                // from the model card
                assertEquals(SamplerKind.keys(),
                        sampler.getOptions().stream().map(o -> o.getAttribute("value")).toList());
                assertEquals("Heun \u00b7 2 network calls per step", sampler.getOptions().get(2).getText());
                assertEquals("dpmpp2m", sampler.getFirstSelectedOption().getAttribute("value"), "the run's default");
                new Select(d.findElement(By.id("class"))).selectByVisibleText("green");
                set(d, "n", "2");
                set(d, "steps", "3");
                d.findElement(By.id("random-seed")).click();
                assertTrue(!d.findElement(By.id("seed")).getAttribute("value").equals("42"), "random seed button");
                set(d, "seed", "7");
                d.findElement(By.id("generate")).click();
                wait.until(x -> images(x).size() == 2 && x.findElement(By.id("status")).getText().startsWith("done"));
                List<String> first = images(d).stream().map(e -> e.getAttribute("src")).toList();
                for (String url : first) {
                    byte[] png = fetch(url);
                    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
                    assertEquals(16, img.getWidth(), "the run's resolution");
                    assertEquals(16, img.getHeight());
                    Map<String, String> text = PngText.read(png);
                    assertTrue(text.get("parameters").startsWith("class: green\nSteps: 3, Sampler: dpmpp2m, CFG scale: 5, Seed: 7"),
                            text.get("parameters"));
                }
                wait.until(x -> (Boolean) ((JavascriptExecutor) x).executeScript(
                        "return [...document.querySelectorAll('#gallery img')].every(i => i.complete && i.naturalWidth === 16)"));

                d.findElement(By.id("generate")).click();                                   // the same seed again
                wait.until(x -> images(x).size() == 4 && x.findElement(By.id("status")).getText().startsWith("done"));
                List<String> all = images(d).stream().map(e -> e.getAttribute("src")).toList();
                List<String> second = all.stream().filter(u -> !first.contains(u)).toList();
                assertEquals(2, second.size());
                for (int i = 0; i < 2; i++) {
                    String suffix = "/images/" + i + ".png";
                    String x = first.stream().filter(u -> u.endsWith(suffix)).findFirst().orElseThrow();
                    String y = second.stream().filter(u -> u.endsWith(suffix)).findFirst().orElseThrow();
                    assertEquals(0, FromPng.differingPixels(ImageIO.read(new ByteArrayInputStream(fetch(x))),
                            ImageIO.read(new ByteArrayInputStream(fetch(y)))), "same seed, same pixels: image " + i);
                }

                set(d, "seed", "99");                                                       // the form changes first
                new Select(d.findElement(By.id("class"))).selectByVisibleText("red");
                images(d).get(0).click();                                                   // the enlarged view
                wait.until(x -> x.findElement(By.id("viewer")).isDisplayed());
                assertTrue(d.findElement(By.id("viewer-params")).getText().contains("Seed: 7"));
                assertTrue(d.findElement(By.id("viewer-download")).getAttribute("href").contains("/images/"));
                d.findElement(By.id("viewer-reuse")).click();
                wait.until(x -> !x.findElement(By.id("viewer")).isDisplayed());
                assertEquals("7", d.findElement(By.id("seed")).getAttribute("value"), "Reuse seed puts the image's seed back");
                assertEquals("green", new Select(d.findElement(By.id("class"))).getFirstSelectedOption().getText(),
                        "and its class");

                // variations of an image: SDEdit from it at the viewer's strength
                images(d).get(0).click();
                wait.until(x -> x.findElement(By.id("viewer")).isDisplayed());
                set(d, "viewer-strength", "0.5");
                d.findElement(By.id("viewer-variations")).click();
                wait.until(x -> images(x).size() == 6 && x.findElement(By.id("status")).getText().startsWith("done"));
                String variation = newest(d, all);
                assertTrue(PngText.read(fetch(variation)).get("parameters").contains("Denoising strength: 0.5"), variation);

                // interpolation from one image to another, 3 frames
                List<String> before = images(d).stream().map(e -> e.getAttribute("src")).toList();
                images(d).get(images(d).size() - 1).click();
                wait.until(x -> x.findElement(By.id("viewer")).isDisplayed());
                assertTrue(new Select(d.findElement(By.id("viewer-target"))).getOptions().size() >= 1);
                set(d, "viewer-frames", "3");
                d.findElement(By.id("viewer-interpolate")).click();
                wait.until(x -> images(x).size() == 9 && x.findElement(By.id("status")).getText().startsWith("done"));
                String frame = newest(d, before);
                assertTrue(PngText.read(fetch(frame)).get("parameters").contains("Interpolate: seed "), frame);

                // a long job: the progress bar moves, Cancel stops it
                set(d, "n", "8");
                set(d, "steps", "1000");
                d.findElement(By.id("generate")).click();
                wait.until(x -> x.findElement(By.id("status")).getText().startsWith("running: step ")        // this job's
                        && Double.parseDouble(x.findElement(By.id("progress")).getAttribute("max")) >= 1000      // max = its steps
                        && Double.parseDouble(x.findElement(By.id("progress")).getAttribute("value")) > 0);     // and it moves
                d.findElement(By.id("cancel")).click();
                wait.until(x -> x.findElement(By.id("status")).getText().equals("cancelled"));
                assertTrue(d.findElement(By.id("generate")).isEnabled(), "ready for the next job");
                assertTrue(!d.findElement(By.id("cancel")).isEnabled());

                set(d, "steps", "0");
                d.findElement(By.id("generate")).click();
                wait.until(x -> x.findElement(By.id("error")).isDisplayed());
                assertEquals("steps = 0 is out of range: expected 1 <= steps <= 1000", d.findElement(By.id("error")).getText());

                File shot = ((ChromeDriver) d).getScreenshotAs(OutputType.FILE);
                Path target = Path.of("target", "serve-browser-test.png");
                Files.createDirectories(target.getParent());
                Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                d.quit();
            }
        }
    }

    @Test
    void aServerWithATokenAsksForItAndThenWorks() throws Exception {
        requireBrowser();
        try (LatentDiffusion ldm = LatentDiffusion.load(TinyRun.shared(), "cpu");
             Server server = new Server(ldm, new ServerOptions("127.0.0.1", 0, "s3cret", 4, 16, 200, 32), new SplittableRandom(4),
                     new PrintWriter(new StringWriter()))) {
            WebDriver d = chromium(dir.resolve("profile-token"));
            try {
                WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(120));
                d.get("http://127.0.0.1:" + server.port() + "/");
                wait.until(x -> x.findElement(By.id("token-box")).isDisplayed());
                assertEquals("This server needs a token: enter it above.", d.findElement(By.id("error")).getText());
                set(d, "token", "wrong");
                d.findElement(By.id("token-save")).click();
                wait.until(x -> x.findElement(By.id("error")).getText().startsWith("This server needs a token"));
                assertTrue(d.findElements(By.cssSelector("#class option")).isEmpty(), "nothing loads with a wrong token");
                set(d, "token", "s3cret");
                d.findElement(By.id("token-save")).click();
                wait.until(x -> x.findElements(By.cssSelector("#class option")).size() == 4);
                assertTrue(!d.findElement(By.id("token-box")).isDisplayed());
                set(d, "n", "1");
                set(d, "steps", "2");
                d.findElement(By.id("generate")).click();
                wait.until(x -> images(x).size() == 1 && x.findElement(By.id("status")).getText().startsWith("done"));
                wait.until(x -> (Boolean) ((JavascriptExecutor) x).executeScript(
                        "return [...document.querySelectorAll('#gallery img')].every(i => i.complete && i.naturalWidth === 16)"));
                assertTrue(images(d).get(0).getAttribute("src").contains("token=s3cret"), "images carry the token");
            } finally {
                d.quit();
            }
        }
    }

    /** The one image source that is not among {@code before}. */
    static String newest(WebDriver d, List<String> before) {
        List<String> added = images(d).stream().map(e -> e.getAttribute("src")).filter(u -> !before.contains(u)).toList();
        assertTrue(!added.isEmpty(), "new images");
        return added.get(0);
    }

    static void set(WebDriver d, String id, String value) {
        WebElement e = d.findElement(By.id(id));
        e.clear();
        e.sendKeys(value);
    }
}
