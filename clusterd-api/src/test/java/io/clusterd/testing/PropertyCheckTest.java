package io.clusterd.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The property runner: example counts, seeds, shrinking and what a failure says. */
class PropertyCheckTest {

  @Test
  void check_passingProperty_runsTheRequestedNumberOfDistinctExamples() {
    Set<Integer> seen = new HashSet<>();
    List<Integer> all = new ArrayList<>();

    PropertyCheck.Outcome outcome = PropertyCheck.forAll(Gens.ints(0, 1_000_000)).examples(300).seed(5).quiet()
        .check(v -> {
          all.add(v);
          seen.add(v);
        });

    assertEquals(300, outcome.examples());
    assertEquals(300, all.size());
    assertEquals(300, seen.size());
    assertEquals(5, outcome.seed());
  }

  @Test
  void check_fewerDistinctValuesThanExamples_runsEachValueOnce() {
    List<Integer> all = new ArrayList<>();

    PropertyCheck.Outcome outcome = PropertyCheck.forAll(Gens.ints(0, 9)).examples(100).seed(5).quiet()
        .check(all::add);

    assertEquals(10, outcome.examples());
    assertEquals(10, new HashSet<>(all).size());
    assertEquals(10, all.size());
  }

  @Test
  void check_failingProperty_reportsSeedSmallestValueAndRerunCommand() {
    AssertionError e = assertThrows(AssertionError.class, () -> PropertyCheck.forAll(Gens.ints(0, 1_000_000))
        .seed(42).named("Demo#below1000").quiet()
        .check(v -> assertTrue(v < 1000, "too big: " + v)));

    String m = e.getMessage();
    assertTrue(m.startsWith("property Demo#below1000 falsified after "), m);
    assertTrue(m.contains("seed 42"), m);
    assertTrue(m.contains("smallest failing value:\n  1000\n"), m);
    assertTrue(m.contains("too big: 1000"), m);
    assertTrue(m.contains("-Dtest='Demo#below1000'"), m);
    assertTrue(m.contains("-Dclusterd.seed=42"), m);
    assertTrue(e.getCause() instanceof AssertionError, String.valueOf(e.getCause()));
  }

  @Test
  void check_sameSeed_generatesTheSameExamplesAndOtherSeedsOthers() {
    assertEquals(examples(11), examples(11));
    assertNotEquals(examples(11), examples(12));
  }

  @Test
  void check_sameSeed_reportsTheSameFailure() {
    Gen<List<Integer>> lists = Gens.lists(Gens.ints(0, 100), 0, 20);
    PropertyCheck.Body<List<Integer>> noSeventyOrMore = l -> assertTrue(l.stream().allMatch(i -> i < 70), "" + l);

    String first = assertThrows(AssertionError.class,
        () -> PropertyCheck.forAll(lists).seed(99).quiet().check(noSeventyOrMore)).getMessage();
    String second = assertThrows(AssertionError.class,
        () -> PropertyCheck.forAll(lists).seed(99).quiet().check(noSeventyOrMore)).getMessage();

    assertEquals(first, second);
  }

  @Test
  void check_seedSystemProperty_fixesTheSeed() {
    String before = System.getProperty(PropertyCheck.SEED_PROPERTY);
    System.setProperty(PropertyCheck.SEED_PROPERTY, "123456789");
    try {
      PropertyCheck.Outcome outcome = PropertyCheck.forAll(Gens.ints(0, 10)).examples(5).quiet().check(v -> {});

      assertEquals(123456789L, outcome.seed());
    } finally {
      if (before == null) {
        System.clearProperty(PropertyCheck.SEED_PROPERTY);
      } else {
        System.setProperty(PropertyCheck.SEED_PROPERTY, before);
      }
    }
  }

  @Test
  void check_noSeedGiven_picksADifferentSeedEachRun() {
    Set<Long> seeds = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      seeds.add(PropertyCheck.forAll(Gens.ints(0, 10)).examples(1).quiet().check(v -> {}).seed());
    }

    assertTrue(seeds.size() > 1, seeds.toString());
  }

  @Test
  void check_failingSequence_shrinksToTheTwoStepsThatMatter() {
    // a sequence fails when a 3 comes before a 5, anywhere: minimal is exactly [3, 5]
    Gen<List<Integer>> sequences = Gens.sequences(() -> null, m -> Gens.ints(0, 9), (m, s) -> {}, 30);

    AssertionError e = assertThrows(AssertionError.class, () -> PropertyCheck.forAll(sequences).seed(3).quiet()
        .shrinkAlso(Shrink::removals)
        .check(steps -> {
          int three = steps.indexOf(3);
          assertTrue(three < 0 || !steps.subList(three, steps.size()).contains(5), "3 before 5");
        }));

    assertTrue(e.getMessage().contains("smallest failing value") && e.getMessage().contains(":\n  [3, 5]\n"),
        e.getMessage());
  }

  @Test
  void check_slowShrinking_stopsAtTheTimeLimitAndReportsWhatItHas() {
    AssertionError e = assertThrows(AssertionError.class, () -> PropertyCheck.forAll(Gens.ints(0, 1_000_000))
        .seed(8).shrinkMillis(1).quiet()
        .check(v -> {
          Thread.sleep(2);
          assertTrue(v < 10);
        }));

    assertTrue(e.getMessage().contains("shrinking stopped after 1 ms"), e.getMessage());
  }

  private static List<Integer> examples(long seed) {
    List<Integer> out = new ArrayList<>();
    PropertyCheck.forAll(Gens.ints(0, Integer.MAX_VALUE)).examples(50).seed(seed).quiet().check(out::add);
    return out;
  }
}
