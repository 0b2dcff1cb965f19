package io.clusterd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clusterd.ErrorCode;
import io.clusterd.InstanceOutcome;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import io.clusterd.core.transport.mem.KeyDatabase;
import io.clusterd.core.transport.mem.MemTransportFactory;
import io.clusterd.testing.Gens;
import io.clusterd.testing.PropertyCheck;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * No value refused by a check is ever sent: for generated checks, placed on the instance key itself or on its
 * {@code spec:/} key, and generated values, an instance write is accepted exactly when the value passes the check
 * (an oracle written apart from the daemon's checks), and a refused value never reaches the host.
 */
class InstanceValidationProperties {

  /** One check: its metadata, and which values pass it. */
  record Check(String name, Map<String, String> meta, Predicate<String> passes) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<Check> CHECKS = List.of(
      // Elektra writes the converted number back: only the canonical form (no +, no leading zeros, no -0) passes
      new Check("long", Map.of("check/type", "long"), v -> v.matches("0|-?[1-9]\\d{0,11}")
          && Long.parseLong(v) >= Integer.MIN_VALUE && Long.parseLong(v) <= Integer.MAX_VALUE),
      new Check("boolean", Map.of("check/type", "boolean"),
          v -> Set.of("1", "0", "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "enable", "disable")
              .contains(v.toLowerCase(java.util.Locale.ROOT))),
      // without a floating-point check/type the range plugin reads whole numbers
      new Check("range 1-100", Map.of("check/range", "1-100"),
          v -> v.strip().matches("[+-]?\\d+") && new java.math.BigDecimal(v.strip()).compareTo(
              java.math.BigDecimal.ONE) >= 0 && new java.math.BigDecimal(v.strip()).compareTo(
              java.math.BigDecimal.valueOf(100)) <= 0),
      new Check("length max 3", Map.of("check/length/max", "3"), v -> v.codePointCount(0, v.length()) <= 3),
      new Check("enum a|b", Map.of("check/enum/#0", "a", "check/enum/#1", "b"), v -> v.equals("a") || v.equals("b")),
      new Check("lowercase", Map.of("check/validation", "^[a-z]+$"), v -> v.matches("[a-z]+")));

  record Write(Check check, boolean onSpec, String value) { }

  static Gen<Write> writes() {
    Gen<String> values = Gens.<String>weighted()
        .or(3, Gens.strings("ab19-+x. Y", 1, 5))
        .or(1, Gens.of("50", "100", "101", "2147483648", "-7", "+7", "007", "true", "Off", "a", "b", "ab", "abcd"))
        .gen();
    return Gens.of(CHECKS).zip(Gens.booleans(), values, Write::new);
  }

  @Test
  void anyCheckAndValue_acceptedExactlyWhenItPasses_andARefusedValueNeverReachesTheHost() {
    PropertyCheck.forAll(Gens.lists(writes(), 1, 6)).examples(300).check(writes -> {
      MemTransportFactory mem = new MemTransportFactory();
      try (Clusterd clusterd = Clusterd.builder().transport(mem).reconcileEvery(Duration.ZERO).maxAttempts(1)
          .build()) {
        clusterd.registerInstance(InstanceSpec.of("web 1", "mem://web-1").withId("web-1"));
        KeyDatabase host = mem.database("web-1");
        for (int i = 0; i < writes.size(); i++) {
          Write w = writes.get(i);
          KeyName key = KeyName.parse("user:/app/k" + i);
          KeyName carrier = w.onSpec() ? key.withNamespace(io.clusterd.Namespace.SPEC) : key;
          host.set(carrier, "");
          w.check().meta().forEach((name, value) -> host.setMeta(carrier, name, value));
          InstanceOutcome outcome = clusterd.apply(new Change.WriteInstance("web-1", KeyOperation.set(key,
              w.value()))).join().fanOut().results().get(0);
          boolean accepted = outcome.succeeded();
          if (!accepted) {
            assertEquals(ErrorCode.INVALID_VALUE, outcome.error().orElseThrow().code(), outcome.toString());
            assertEquals(422, outcome.status());
          }
          assertEquals(w.check().passes().test(w.value()), accepted, "accepted " + w);
          String stored = host.get(key).map(KeyDatabase.Entry::value).orElse(null);
          if (accepted) {
            assertEquals(w.value(), stored, "the host has the accepted value");
          } else {
            assertEquals(w.onSpec() ? null : "", stored, "a refused value never reaches the host: " + w);
          }
        }
      }
    });
  }
}
