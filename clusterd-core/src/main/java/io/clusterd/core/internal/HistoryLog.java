package io.clusterd.core.internal;

import io.clusterd.HistoryEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The store's history as a rollback reads it: the newest sequence, the sequence in force at a time, and the entries
 * of one node after a sequence. Reads page through the store, newest first, so a rollback reads only what happened
 * since the point it goes back to.
 */
public final class HistoryLog {
  /** Reads history newest first, as {@code RegistryStore.history} does. */
  @FunctionalInterface
  public interface Source {
    List<HistoryEntry> read(Optional<String> node, long beforeSeq, int limit);
  }

  private static final int PAGE = 500;

  private final Source source;

  public HistoryLog(Source source) {
    this.source = source;
  }

  /** The sequence of the newest entry, 0 when there is none. */
  long newest() {
    List<HistoryEntry> page = source.read(Optional.empty(), Long.MAX_VALUE, 1);
    return page.isEmpty() ? 0 : page.get(0).seq();
  }

  /** The sequence of the newest entry recorded at or before {@code time}, 0 when there is none. */
  long at(Instant time) {
    long before = Long.MAX_VALUE;
    while (true) {
      List<HistoryEntry> page = source.read(Optional.empty(), before, PAGE);
      for (HistoryEntry e : page) {
        if (!e.time().isAfter(time)) {
          return e.seq();
        }
      }
      if (page.size() < PAGE) {
        return 0;
      }
      before = page.get(page.size() - 1).seq();
    }
  }

  /** The entries of {@code node} with a sequence above {@code seq}, newest first. */
  List<HistoryEntry> after(String node, long seq) {
    List<HistoryEntry> out = new ArrayList<>();
    long before = Long.MAX_VALUE;
    while (true) {
      List<HistoryEntry> page = source.read(Optional.of(node), before, PAGE);
      for (HistoryEntry e : page) {
        if (e.seq() <= seq) {
          return out;
        }
        out.add(e);
      }
      if (page.size() < PAGE) {
        return out;
      }
      before = page.get(page.size() - 1).seq();
    }
  }
}
