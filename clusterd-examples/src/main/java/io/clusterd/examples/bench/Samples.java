package io.clusterd.examples.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds with percentiles; not thread-safe. */
final class Samples {
  private long[] values = new long[1024];
  private int size;

  void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  void addAll(Samples other) {
    for (int i = 0; i < other.size; i++) {
      add(other.values[i]);
    }
  }

  int size() {
    return size;
  }

  /** The p-th percentile (0..100) in microseconds. */
  double percentileMicros(double p) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    int idx = (int) Math.min(size - 1, Math.max(0, Math.ceil(p / 100.0 * size) - 1));
    return sorted[idx] / 1000.0;
  }

  double p50Millis() {
    return percentileMicros(50) / 1000.0;
  }

  double p99Millis() {
    return percentileMicros(99) / 1000.0;
  }
}
