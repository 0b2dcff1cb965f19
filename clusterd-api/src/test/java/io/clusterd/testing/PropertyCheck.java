package io.clusterd.testing;

import static org.quicktheories.QuickTheory.qt;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.quicktheories.api.AsString;
import org.quicktheories.core.Gen;
import org.quicktheories.core.Reporter;

/**
 * Runs one property on QuickTheories: a fixed number of generated examples, a seed that is printed before the run
 * and can be given with {@code -Dclusterd.seed=N}, QuickTheories' shrinking of the generated data, then (optional)
 * a second pass that tries smaller candidates of the smallest failing value (such as the same list with steps
 * removed). A failure names the property, the seed, the smallest failing value and the command that runs it again.
 *
 * <pre>{@code
 * PropertyCheck.forAll(Gens.lists(ops, 0, 40)).examples(300).shrinkAlso(Shrink::removals).check(ops -> { ... });
 * }</pre>
 */
public final class PropertyCheck<T> {

  /** The system property that fixes the seed of every property of a run. */
  public static final String SEED_PROPERTY = "clusterd.seed";
  /** Default number of examples (as many as before the move to QuickTheories). */
  public static final int DEFAULT_EXAMPLES = 1000;
  /** Default time for shrinking one failure, both passes together. */
  public static final long DEFAULT_SHRINK_MILLIS = 30_000;

  /** A property body; any exception or error falsifies it. */
  @FunctionalInterface
  public interface Body<T> {
    void accept(T value) throws Exception;
  }

  /** Two generated values, shown and shrunk together. */
  public record Two<A, B>(A first, B second) {
    @Override
    public String toString() {
      return "(" + first + ", " + second + ")";
    }
  }

  /** What one run did, for tests of this class and for summaries. */
  public record Outcome(long seed, int examples) {}

  private final Gen<T> gen;
  private int examples = DEFAULT_EXAMPLES;
  private long shrinkMillis = DEFAULT_SHRINK_MILLIS;
  private Long seed;
  private Function<? super T, ? extends Stream<? extends T>> candidates = v -> Stream.empty();
  private String name;
  private boolean quiet;

  private PropertyCheck(Gen<T> gen) {
    this.gen = Objects.requireNonNull(gen);
  }

  public static <T> PropertyCheck<T> forAll(Gen<T> gen) {
    return new PropertyCheck<>(gen);
  }

  public static <A, B> PropertyCheck<Two<A, B>> forAll(Gen<A> a, Gen<B> b) {
    return new PropertyCheck<>(a.zip(b, Two::new));
  }

  /**
   * How many examples must pass: distinct ones (QuickTheories skips an example it has already run), fewer only
   * where the generator has fewer distinct values.
   */
  public PropertyCheck<T> examples(int n) {
    this.examples = n;
    return this;
  }

  /** A seed for this check alone (tests of the helper); {@code -Dclusterd.seed} otherwise, else a random one. */
  public PropertyCheck<T> seed(long s) {
    this.seed = s;
    return this;
  }

  /** How long shrinking one failure may take before the smallest value found so far is reported. */
  public PropertyCheck<T> shrinkMillis(long millis) {
    this.shrinkMillis = millis;
    return this;
  }

  /** Smaller candidates of a failing value, tried in order after QuickTheories' own shrinking (see {@link Shrink}). */
  public PropertyCheck<T> shrinkAlso(Function<? super T, ? extends Stream<? extends T>> smaller) {
    this.candidates = Objects.requireNonNull(smaller);
    return this;
  }

  /** The name printed and used in the rerun hint; the calling test class and method by default. */
  public PropertyCheck<T> named(String n) {
    this.name = n;
    return this;
  }

  /** No line on standard output (tests of the helper that run many checks). */
  public PropertyCheck<T> quiet() {
    this.quiet = true;
    return this;
  }

  /** Runs the property; throws an {@link AssertionError} with the smallest failing value when it is falsified. */
  public Outcome check(Body<? super T> body) {
    String label = name != null ? name : caller();
    long s = seed != null ? seed : configuredSeed().orElseGet(PropertyCheck::randomSeed);
    if (!quiet) {
      System.out.println("property " + label + ": seed " + s + ", " + examples + " examples (rerun: -D"
          + SEED_PROPERTY + "=" + s + ")");
    }
    Run run = new Run(body);
    // QuickTheories skips an example whose draws it has seen before, so it is asked for more than enough, and the
    // generator stops drawing (its values are then skipped) once enough examples passed or shrinking is over
    Gen<T> bounded = src -> run.stopped() ? run.lastValue : gen.generate(src);
    qt().withFixedSeed(s)
        .withExamples(examples * 2 + 10)
        .withShrinkCycles(Math.max(10_000, examples * 100))
        .withReporter(new FailureReporter(label, s, run))
        .forAll(bounded.describedAs(gen::asString))
        .checkAssert(value -> run.test(value));
    if (run.passed < examples && !quiet) {
      System.out.println("property " + label + ": only " + run.passed + " distinct examples exist (of " + examples
          + " asked for); each of them passed");
    }
    return new Outcome(s, run.passed);
  }

  private static java.util.Optional<Long> configuredSeed() {
    String v = System.getProperty(SEED_PROPERTY);
    if (v == null || v.isBlank()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(Long.parseLong(v.trim()));
  }

  private static long randomSeed() {
    long s;
    do {
      s = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    } while (s == 0);
    return s;
  }

  /** The first frame outside this package: {@code Class.method} of the property. */
  private static String caller() {
    return StackWalker.getInstance().walk(frames -> frames
        .filter(f -> !f.getClassName().startsWith(PropertyCheck.class.getPackageName() + "."))
        .findFirst()
        .map(f -> simpleName(f.getClassName()) + "#" + f.getMethodName())
        .orElse("property"));
  }

  private static String simpleName(String className) {
    String outer = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
    return outer.substring(outer.lastIndexOf('.') + 1);
  }

  /** State of one check: how many examples passed, whether shrinking started and when its time is up. */
  private final class Run {
    final Body<? super T> body;
    int passed;
    long shrinkDeadline = Long.MAX_VALUE;
    T lastValue;

    Run(Body<? super T> body) {
      this.body = body;
    }

    boolean shrinkTimeUp() {
      return System.nanoTime() > shrinkDeadline;
    }

    boolean stopped() {
      return passed >= examples || shrinkTimeUp();
    }

    void test(T value) {
      if (stopped()) {
        return;   // the remaining cycles of QuickTheories pass without running the body
      }
      lastValue = value;
      Throwable failure = failure(value);
      if (failure == null) {
        if (shrinkDeadline == Long.MAX_VALUE) {
          passed++;
        }
        return;
      }
      if (shrinkDeadline == Long.MAX_VALUE) {
        shrinkDeadline = System.nanoTime() + shrinkMillis * 1_000_000;
      }
      rethrow(failure);
    }

    Throwable failure(T value) {
      try {
        body.accept(value);
        return null;
      } catch (Throwable t) {
        return t;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> void rethrow(Throwable t) throws E {
    throw (E) t;
  }

  /** Turns QuickTheories' result into one assertion error, after trying the extra candidates. */
  private final class FailureReporter implements Reporter {
    final String label;
    final long seed;
    final Run run;

    FailureReporter(String label, long seed, Run run) {
      this.label = label;
      this.seed = seed;
      this.run = run;
    }

    @Override
    public void falisification(long s, int used, Object smallest, Throwable cause, List<Object> others,
        AsString<Object> toString) {
      report(used, smallest, cause);
    }

    @Override
    public void falisification(long s, int used, Object smallest, List<Object> others, AsString<Object> toString) {
      report(used, smallest, null);
    }

    @Override
    public void valuesExhausted(int completed) {
      throw new IllegalStateException("property " + label + ": gave up after " + completed
          + " examples (generation exhausted its attempts); seed " + seed);
    }

    @SuppressWarnings("unchecked")
    private void report(int used, Object smallestFound, Throwable cause) {
      T smallest = (T) smallestFound;
      Throwable why = cause;
      int steps = 0;
      boolean progress = true;
      while (progress && !run.shrinkTimeUp()) {
        progress = false;
        for (T candidate : (Iterable<T>) candidates.apply(smallest).map(c -> (T) c)::iterator) {
          if (run.shrinkTimeUp()) {
            break;
          }
          Throwable f = run.failure(candidate);
          if (f != null) {
            smallest = candidate;
            why = f;
            steps++;
            progress = true;
            break;
          }
        }
      }
      String module = Path.of("").toAbsolutePath().getFileName().toString();
      String[] classAndMethod = label.split("#", 2);
      AssertionError e = new AssertionError("property " + label + " falsified after " + used + " examples, seed "
          + seed + (run.shrinkTimeUp() ? " (shrinking stopped after " + shrinkMillis + " ms)" : "")
          + "\nsmallest failing value" + (steps > 0 ? " (" + steps + " more steps of removal)" : "") + ":\n  "
          + gen.asString(smallest)
          + "\ncause: " + (why == null ? "false" : why)
          + "\nrun it again: mvn -B -q verify -pl " + module + " -am -DskipITs -Dtest='" + classAndMethod[0]
          + (classAndMethod.length > 1 ? "#" + classAndMethod[1] : "")
          + "' -Dsurefire.failIfNoSpecifiedTests=false -D" + SEED_PROPERTY + "=" + seed, why);
      throw e;
    }
  }
}
