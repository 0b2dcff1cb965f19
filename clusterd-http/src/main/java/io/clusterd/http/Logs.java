package io.clusterd.http;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The daemon's logging (SLF4J over {@code java.util.logging}): one line per event on stderr, plain or JSON lines
 * for log shippers, at the level of {@code --log-level}. Reads in the access log ({@code io.clusterd.access}) are
 * DEBUG, writes and errors INFO. Jetty and Javalin log warnings only; Javalin's own start-up failure line is left
 * out, the daemon says why it cannot start in one line.
 */
public final class Logs {
  /** {@code java.util.logging} keeps loggers weakly: these keep their levels. */
  private static final List<Logger> CONFIGURED = new ArrayList<>();

  private Logs() { }

  /** The format of a log line. */
  public enum Format { PLAIN, JSON }

  /** Parses {@code error}, {@code warn}, {@code info}, {@code debug} or {@code trace}. */
  public static Level level(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "error" -> Level.SEVERE;
      case "warn" -> Level.WARNING;
      case "info" -> Level.INFO;
      case "debug" -> Level.FINE;
      case "trace" -> Level.FINEST;
      default -> throw new IllegalArgumentException("unknown log level '" + name + "': use error, warn, info, debug or trace");
    };
  }

  /** Sends every log event at {@code level} or above to stderr in {@code format}. */
  public static synchronized void configure(Level level, Format format) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler stderr = new ConsoleHandler();
    stderr.setLevel(Level.ALL);
    stderr.setFormatter(format == Format.JSON ? new JsonLines() : new Plain());
    root.addHandler(stderr);
    root.setLevel(level);
    CONFIGURED.clear();
    quiet("org.eclipse.jetty", Level.WARNING, level);
    quiet("io.javalin", Level.WARNING, level);
    quiet("io.javalin.Javalin", Level.OFF, level);
  }

  private static void quiet(String name, Level most, Level wanted) {
    Logger l = Logger.getLogger(name);
    l.setLevel(wanted.intValue() > most.intValue() ? wanted : most);
    CONFIGURED.add(l);
  }

  private static String levelName(Level l) {
    int v = l.intValue();
    return v >= Level.SEVERE.intValue() ? "ERROR" : v >= Level.WARNING.intValue() ? "WARN"
        : v >= Level.INFO.intValue() ? "INFO" : v >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
  }

  private static String thrown(LogRecord r) {
    if (r.getThrown() == null) {
      return null;
    }
    StringWriter s = new StringWriter();
    r.getThrown().printStackTrace(new PrintWriter(s));
    return s.toString().stripTrailing();
  }

  /** {@code 2026-12-01T21:54:54.852Z INFO io.clusterd.access - PUT /api/... 200 3ms ops}. */
  static final class Plain extends Formatter {
    @Override
    public String format(LogRecord r) {
      String t = thrown(r);
      return Instant.ofEpochMilli(r.getMillis()) + " " + levelName(r.getLevel()) + " " + r.getLoggerName() + " - "
          + formatMessage(r) + (t == null ? "" : System.lineSeparator() + t) + System.lineSeparator();
    }
  }

  /** One JSON object per line: {@code time}, {@code level}, {@code logger}, {@code message}, {@code error}. */
  static final class JsonLines extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder b = new StringBuilder(160).append('{');
      field(b, "time", Instant.ofEpochMilli(r.getMillis()).toString()).append(',');
      field(b, "level", levelName(r.getLevel())).append(',');
      field(b, "logger", r.getLoggerName()).append(',');
      field(b, "message", formatMessage(r));
      String t = thrown(r);
      if (t != null) {
        field(b.append(','), "error", t);
      }
      return b.append('}').append(System.lineSeparator()).toString();
    }

    private static StringBuilder field(StringBuilder b, String name, String value) {
      return quote(quote(b, name).append(':'), value == null ? "" : value);
    }

    private static StringBuilder quote(StringBuilder b, String s) {
      b.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> {
            if (c < 0x20) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      return b.append('"');
    }
  }
}
