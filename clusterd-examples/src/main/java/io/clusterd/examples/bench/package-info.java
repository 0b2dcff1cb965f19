/**
 * Not API: the benchmarks {@code ./bench} runs (registry checks, fan-out, proxied reads); each prints its figures
 * and ratios against a baseline measured in the same run.
 */
package io.clusterd.examples.bench;
