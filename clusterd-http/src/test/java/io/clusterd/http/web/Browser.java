package io.clusterd.http.web;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium driven by the Debian {@code chromium} and {@code chromium-driver} packages, with a fresh
 * profile; Selenium Manager is never asked for a driver. Small helpers for waiting on the page and screenshots.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private final ChromeDriver driver;
  private final Path profile;
  private final String base;

  Browser(String baseUrl) throws IOException {
    this(baseUrl, new String[0]);
  }

  /** A browser started with extra Chromium flags, e.g. {@code --ignore-certificate-errors}. */
  Browser(String baseUrl, String... extraArguments) throws IOException {
    this.base = baseUrl;
    this.profile = Files.createTempDirectory("clusterd-chromium-");
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,800", "--user-data-dir=" + profile);
    options.addArguments(extraArguments);
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    this.driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    // the viewport, not the window, should be 1280x800 for screenshots
    resizeViewport(1280, 800);
  }

  static boolean available() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  }

  WebDriver driver() {
    return driver;
  }

  void open(String path) {
    driver.get(base + path);
  }

  void resizeViewport(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
    @SuppressWarnings("unchecked")
    List<Long> inner = (List<Long>) js("return [window.innerWidth, window.innerHeight];");
    int dw = width - inner.get(0).intValue();
    int dh = height - inner.get(1).intValue();
    if (dw != 0 || dh != 0) {
      driver.manage().window().setSize(new Dimension(width + dw, height + dh));
    }
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Runs an asynchronous script: it calls its last argument with the answer. */
  Object jsAsync(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  <T> T until(String what, Function<WebDriver, T> condition) {
    return until(what, Duration.ofSeconds(10), condition);
  }

  <T> T until(String what, Duration timeout, Function<WebDriver, T> condition) {
    WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(100));
    wait.withMessage(what);
    wait.ignoring(StaleElementReferenceException.class);
    try {
      return wait.until(condition);
    } catch (TimeoutException e) {
      Path shot = screenshot("failed-" + System.currentTimeMillis());
      String alerts = all("#alerts .alert, dialog .dialog-error").stream().map(WebElement::getText)
          .filter(t -> !t.isBlank()).toList().toString();
      throw new AssertionError("timed out waiting for " + what + "; alerts on the page: " + alerts
          + "; screenshot " + shot.toAbsolutePath(), e);
    }
  }

  /** The first visible element matching css, waiting for it. */
  WebElement find(String css) {
    return until("visible: " + css, d -> d.findElements(By.cssSelector(css)).stream()
        .filter(WebElement::isDisplayed).findFirst().orElse(null));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  boolean present(String css) {
    return !all(css).isEmpty();
  }

  void click(String css) {
    until("clickable: " + css, d -> {
      WebElement e = find(css);
      if (!e.isEnabled()) {
        return null;
      }
      e.click();
      return true;
    });
  }

  void type(String css, String text) {
    until("typed into " + css, d -> {
      WebElement e = find(css);
      e.clear();
      e.sendKeys(text);
      return true;
    });
  }

  /** Waits until the text of the first element matching css contains part; answers that text. */
  String waitText(String css, String part) {
    return waitText(css, part, Duration.ofSeconds(10));
  }

  String waitText(String css, String part, Duration timeout) {
    return until("'" + part + "' in " + css, timeout, d -> d.findElements(By.cssSelector(css)).stream()
        .map(WebElement::getText).filter(t -> t.contains(part)).findFirst().orElse(null));
  }

  void waitGone(String css) {
    until("gone: " + css, d -> d.findElements(By.cssSelector(css)).isEmpty());
  }

  /** Saves a PNG of the viewport to target/screenshots/name.png. */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path out = SCREENSHOTS.resolve(name + ".png");
      Files.write(out, driver.getScreenshotAs(OutputType.BYTES));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Console errors so far, leaving out the network lines Chromium logs for every 4xx/5xx answer (the client
   * shows those answers to the user itself).
   */
  List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .filter(m -> !m.contains("Failed to load resource: the server responded with a status of"))
        .toList();
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }
}
