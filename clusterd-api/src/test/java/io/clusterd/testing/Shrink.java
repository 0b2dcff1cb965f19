package io.clusterd.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Candidates for {@link PropertyCheck#shrinkAlso}: smaller versions of a failing value, most promising first. */
public final class Shrink {
  private Shrink() {}

  /**
   * The list with one run of consecutive elements removed: first halves, then quarters, and so on down to single
   * elements, each size from the front to the back. Applied until none fails, this leaves a list from which no
   * single element can be removed.
   */
  public static <T> Stream<List<T>> removals(List<T> list) {
    int n = list.size();
    return Stream.iterate(Math.max(1, n / 2), k -> k >= 1, k -> k == 1 ? 0 : Math.max(1, k / 2))
        .flatMap(k -> IntStream.rangeClosed(0, n - k).filter(start -> start % k == 0 || k == 1)
            .mapToObj(start -> {
              List<T> out = new ArrayList<>(list.subList(0, start));
              out.addAll(list.subList(start + k, n));
              return out;
            }))
        .filter(l -> l.size() < n);
  }

  /** Candidates of the first of two values, the second kept. */
  public static <A, B> Function<PropertyCheck.Two<A, B>, Stream<PropertyCheck.Two<A, B>>> first(
      Function<A, Stream<A>> smaller) {
    return two -> smaller.apply(two.first()).map(a -> new PropertyCheck.Two<>(a, two.second()));
  }
}
