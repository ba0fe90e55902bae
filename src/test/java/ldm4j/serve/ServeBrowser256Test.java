package ldm4j.serve;

import static ldm4j.serve.ServeBrowserTest.chromium;
import static ldm4j.serve.ServeBrowserTest.fetch;
import static ldm4j.serve.ServeBrowserTest.images;
import static ldm4j.serve.ServeBrowserTest.newest;
import static ldm4j.serve.ServeBrowserTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import ldm4j.LatentDiffusion;
import ldm4j.io.PngText;
import ldm4j.sample.TinyRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page of {@code serve} on a 256-px run with ImageNet class folders, in a real browser: the class list
 * names the classes from the bundled table, generated images are 256x256, variations and interpolation work.
 */
@Tag("slow") // a browser and a training run: left out of ./mvnw test -Pfast
class ServeBrowser256Test {
    @TempDir
    Path dir;

    @Test
    void the256PxRunShowsItsClassNamesAnd256PxImages() throws Exception {
        ServeBrowserTest.requireBrowser();
        try (LatentDiffusion ldm = LatentDiffusion.load(TinyRun.shared256(), "cpu");
             Server server = new Server(ldm, new ServerOptions("127.0.0.1", 0, null, 4, 16, 1000, 32), new SplittableRandom(5),
                     new PrintWriter(new StringWriter()))) {
            WebDriver d = chromium(dir.resolve("profile"));
            try {
                WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(180));
                d.get("http://127.0.0.1:" + server.port() + "/");
                wait.until(x -> x.findElements(By.cssSelector("#class option")).size() == 4);   // 3 classes + "one of each"
                List<String> options = d.findElements(By.cssSelector("#class option")).stream().map(WebElement::getText).toList();
                assertTrue(options.containsAll(List.of("robin (n01558993)", "bullfrog (n01641577)", "golden retriever (n02099601)")),
                        options.toString());
                assertTrue(d.findElement(By.id("card-list")).getText().contains("robin (n01558993)"),
                        d.findElement(By.id("card-list")).getText());
                new Select(d.findElement(By.id("class"))).selectByVisibleText("robin (n01558993)");
                set(d, "n", "1");
                set(d, "steps", "2");
                set(d, "seed", "7");
                d.findElement(By.id("generate")).click();
                wait.until(x -> images(x).size() == 1 && x.findElement(By.id("status")).getText().startsWith("done"));
                wait.until(x -> (Boolean) ((JavascriptExecutor) x).executeScript(
                        "return [...document.querySelectorAll('#gallery img')].every(i => i.complete && i.naturalWidth === 256)"));
                byte[] png = fetch(images(d).get(0).getAttribute("src"));
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
                assertEquals(256, img.getWidth(), "the run's resolution");
                assertEquals(256, img.getHeight());
                String params = PngText.read(png).get("parameters");
                assertTrue(params.startsWith("class: robin (n01558993)\nSteps: 2, ") && params.contains("Size: 256x256"), params);

                // variations of the 256-px image: SDEdit from it
                List<String> before = images(d).stream().map(e -> e.getAttribute("src")).toList();
                images(d).get(0).click();
                wait.until(x -> x.findElement(By.id("viewer")).isDisplayed());
                set(d, "viewer-strength", "0.5");
                d.findElement(By.id("viewer-variations")).click();
                wait.until(x -> images(x).size() == 2 && x.findElement(By.id("status")).getText().startsWith("done"));
                String variation = newest(d, before);
                assertTrue(PngText.read(fetch(variation)).get("parameters").contains("Denoising strength: 0.5"), variation);
                assertEquals(256, ImageIO.read(new ByteArrayInputStream(fetch(variation))).getWidth());

                // interpolation from one image to the other, 2 frames
                List<String> two = images(d).stream().map(e -> e.getAttribute("src")).toList();
                images(d).get(images(d).size() - 1).click();
                wait.until(x -> x.findElement(By.id("viewer")).isDisplayed());
                set(d, "viewer-frames", "2");
                d.findElement(By.id("viewer-interpolate")).click();
                wait.until(x -> images(x).size() == 4 && x.findElement(By.id("status")).getText().startsWith("done"));
                String frame = newest(d, two);
                assertTrue(PngText.read(fetch(frame)).get("parameters").contains("Interpolate: seed "), frame);
                wait.until(x -> (Boolean) ((JavascriptExecutor) x).executeScript(
                        "return [...document.querySelectorAll('#gallery img')].every(i => i.complete && i.naturalWidth === 256)"));

                File shot = ((ChromeDriver) d).getScreenshotAs(OutputType.FILE);
                Path target = Path.of("target", "serve-browser-256-test.png");
                Files.createDirectories(target.getParent());
                Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                d.quit();
            }
        }
    }
}
