package io.clusterd.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Generators for the project's properties, on QuickTheories' {@link Gen}: every value is drawn from the run's
 * randomness source, so QuickTheories shrinks any of them (including ones built with {@code flatMap} and
 * {@link #sequences}) by shrinking the drawn numbers. Choices shrink towards the first option, sizes towards the
 * minimum.
 */
public final class Gens {
  private Gens() {}

  /** Tries of {@link #filter} before it gives up. */
  static final int FILTER_TRIES = 10_000;

  public static <T> Gen<T> just(T value) {
    return Generate.constant(value);
  }

  @SafeVarargs
  public static <T> Gen<T> of(T... values) {
    return of(Arrays.asList(values));
  }

  /** One of the values; shrinks towards the first. */
  public static <T> Gen<T> of(List<T> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values to choose from");
    }
    List<T> copy = new ArrayList<>(values);
    return ints(0, copy.size() - 1).map(copy::get);
  }

  public static <E extends Enum<E>> Gen<E> of(Class<E> type) {
    return of(type.getEnumConstants());
  }

  /** {@code min..max} inclusive; shrinks towards the value nearest zero. */
  public static Gen<Integer> ints(int min, int max) {
    return Generate.range(min, max, Math.max(min, Math.min(max, 0)));
  }

  /** {@code min..max} inclusive; shrinks towards the value nearest zero. */
  public static Gen<Long> longs(long min, long max) {
    return Generate.longRange(min, max, Math.max(min, Math.min(max, 0)));
  }

  /** Shrinks towards false. */
  public static Gen<Boolean> booleans() {
    return of(false, true);
  }

  /** One of the generators, equally likely. */
  @SafeVarargs
  public static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    Weighted<T> w = weighted();
    for (Gen<? extends T> g : gens) {
      w.or(1, g);
    }
    return w.gen();
  }

  /** Starts a weighted choice: {@code Gens.<T>weighted().or(3, a).or(1, b).gen()}. */
  public static <T> Weighted<T> weighted() {
    return new Weighted<>();
  }

  /** A weighted choice of generators; shrinks towards the first one. */
  public static final class Weighted<T> {
    private final List<Integer> weights = new ArrayList<>();
    private final List<Gen<? extends T>> gens = new ArrayList<>();

    private Weighted() {}

    public Weighted<T> or(int weight, Gen<? extends T> gen) {
      if (weight <= 0) {
        throw new IllegalArgumentException("weight " + weight);
      }
      weights.add(weight);
      gens.add(gen);
      return this;
    }

    public Gen<T> gen() {
      if (gens.isEmpty()) {
        throw new IllegalArgumentException("no generators to choose from");
      }
      List<Integer> w = List.copyOf(weights);
      List<Gen<? extends T>> g = List.copyOf(gens);
      int total = w.stream().mapToInt(Integer::intValue).sum();
      Gen<Integer> pick = ints(0, total - 1);
      return src -> {
        int r = pick.generate(src);
        for (int i = 0; i < w.size(); i++) {
          r -= w.get(i);
          if (r < 0) {
            return g.get(i).generate(src);
          }
        }
        throw new AssertionError("unreachable");
      };
    }
  }

  /** Lists of {@code min..max} elements; shrink to fewer (trailing) elements and to smaller elements. */
  public static <T> Gen<List<T>> lists(Gen<T> element, int min, int max) {
    Gen<Integer> size = ints(min, max);
    return src -> {
      int n = size.generate(src);
      List<T> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(element.generate(src));
      }
      return out;
    };
  }

  /** Strings of {@code min..max} characters, each one of {@code chars}. */
  public static Gen<String> strings(String chars, int min, int max) {
    List<String> units = chars.codePoints().mapToObj(Character::toString).toList();
    return strings(of(units), min, max);
  }

  /** Strings of {@code min..max} pieces, concatenated. */
  public static Gen<String> strings(Gen<String> piece, int min, int max) {
    return lists(piece, min, max).map(l -> String.join("", l));
  }

  /** Characters {@code from..to} (inclusive, both in the same plane), as strings. */
  public static Gen<String> chars(int from, int to) {
    return ints(from, to).map(Character::toString);
  }

  /** Values that pass the predicate; draws again until one does (at most {@value #FILTER_TRIES} times). */
  public static <T> Gen<T> filter(Gen<T> gen, Predicate<? super T> keep) {
    return src -> {
      for (int i = 0; i < FILTER_TRIES; i++) {
        T t = gen.generate(src);
        if (keep.test(t)) {
          return t;
        }
      }
      throw new IllegalStateException("no value passed the filter in " + FILTER_TRIES + " tries");
    };
  }

  /** Maps of up to {@code maxSize} entries (fewer where keys repeat), in insertion order. */
  public static <K, V> Gen<Map<K, V>> maps(Gen<K> keys, Gen<V> values, int maxSize) {
    return lists(keys.zip(values, Map::entry), 0, maxSize).map(entries -> {
      Map<K, V> m = new LinkedHashMap<>();
      entries.forEach(e -> m.putIfAbsent(e.getKey(), e.getValue()));
      return m;
    });
  }

  /** Empty or a value, equally likely; shrinks to empty. */
  public static <T> Gen<Optional<T>> optionals(Gen<T> values) {
    return Gens.<Optional<T>>weighted().or(1, just(Optional.empty())).or(1, values.map(Optional::of)).gen();
  }

  /** A value, or null in {@code percent} percent of the cases; shrinks to the value. */
  public static <T> Gen<T> orNull(Gen<T> values, int percent) {
    return Gens.<T>weighted().or(100 - percent, values).or(percent, just(null)).gen();
  }

  /** The value of the first generator combined with a value that depends on it. */
  public static <A, B, R> Gen<R> dependent(Gen<A> first, Function<A, Gen<B>> second, BiFunction<A, B, R> as) {
    return src -> {
      A a = first.generate(src);
      return as.apply(a, second.apply(a).generate(src));
    };
  }

  /**
   * Sequences of steps where each step is drawn from what the model says is possible at that point: starting
   * from a fresh model, {@code next} gives the generator of the next step, and {@code advance} applies the drawn
   * step to the model. Sequences have {@code maxLength} steps in three cases out of four, otherwise any length
   * from zero; they shrink to shorter sequences (trailing steps dropped) and simpler steps, every one still drawn
   * from the model's state at its point. Pair with {@link Shrink#removals} to also drop steps in the middle.
   */
  public static <M, S> Gen<List<S>> sequences(Supplier<M> model, Function<M, Gen<? extends S>> next,
      java.util.function.BiConsumer<M, S> advance, int maxLength) {
    Gen<Integer> length = Gens.<Integer>weighted().or(1, ints(0, maxLength)).or(3, just(maxLength)).gen();
    return src -> {
      M m = model.get();
      int n = length.generate(src);
      List<S> steps = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        S step = next.apply(m).generate(src);
        advance.accept(m, step);
        steps.add(step);
      }
      return steps;
    };
  }
}
