package io.clusterd.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The generators: ranges, choices, sizes and model-driven sequences. */
class GensTest {

  private static <T> List<T> sample(Gen<T> gen, int n) {
    List<T> out = new ArrayList<>();
    PropertyCheck.forAll(gen).examples(n).seed(17).quiet().check(out::add);
    return out;
  }

  @Test
  void weighted_choices_followTheWeightsAndReachEveryOption() {
    Map<String, Integer> counts = new HashMap<>();
    Gen<String> g = Gens.<String>weighted().or(1, Gens.just("rare")).or(9, Gens.strings("ab", 1, 6)).gen();

    sample(g, 500).forEach(s -> counts.merge(s.equals("rare") ? "rare" : "other", 1, Integer::sum));

    assertTrue(counts.get("rare") > 0 && counts.get("rare") < 50, counts.toString());
  }

  @Test
  void lists_sizes_stayWithinBoundsAndReachThem() {
    List<List<Integer>> lists = sample(Gens.lists(Gens.ints(0, 1000), 2, 5), 300);

    assertTrue(lists.stream().allMatch(l -> l.size() >= 2 && l.size() <= 5));
    assertTrue(lists.stream().anyMatch(l -> l.size() == 2));
    assertTrue(lists.stream().anyMatch(l -> l.size() == 5));
  }

  @Test
  void strings_fromCharacters_useOnlyThoseCharacters() {
    List<String> strings = sample(Gens.strings("x\u00e9\uD83D\uDE00", 0, 4), 200);

    assertTrue(strings.stream().allMatch(s -> s.codePoints().allMatch(c -> c == 'x' || c == 0xE9 || c == 0x1F600)));
    assertTrue(strings.stream().anyMatch(s -> s.contains("\uD83D\uDE00")));
  }

  @Test
  void filter_values_allPassThePredicate() {
    assertTrue(sample(Gens.filter(Gens.ints(0, 100), i -> i % 7 == 0), 100).stream().allMatch(i -> i % 7 == 0));
  }

  @Test
  void sequences_eachStep_isDrawnFromTheModelAfterTheStepsBefore() {
    // the model counts the steps so far; each step must be the count at its point
    Gen<List<Integer>> g = Gens.sequences(() -> new int[1], m -> Gens.ints(0, 1000).map(any -> m[0]),
        (m, s) -> m[0]++, 10);

    List<List<Integer>> all = sample(g, 100);

    for (List<Integer> steps : all) {
      for (int i = 0; i < steps.size(); i++) {
        assertEquals(i, steps.get(i));
      }
    }
    assertTrue(all.stream().filter(l -> l.size() == 10).count() > 50, "mostly full length");
  }

  @Test
  void removals_list_offersEveryOneElementRemovalAndNeverTheListItself() {
    List<List<Integer>> candidates = Shrink.removals(List.of(1, 2, 3, 4)).toList();

    assertEquals(List.of(List.of(3, 4), List.of(1, 2)), candidates.subList(0, 2));
    for (int i = 0; i < 4; i++) {
      List<Integer> without = new ArrayList<>(List.of(1, 2, 3, 4));
      without.remove(i);
      assertTrue(candidates.contains(without), without.toString());
    }
    assertTrue(candidates.stream().allMatch(c -> c.size() < 4));
    assertEquals(List.of(List.of()), Shrink.removals(List.of(7)).toList());
  }
}
