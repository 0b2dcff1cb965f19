package io.clusterd.core.internal;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.HistoryEntry;
import io.clusterd.Instance;
import io.clusterd.KeyOperation;
import io.clusterd.Node;
import io.clusterd.spi.NodeRecord;
import io.clusterd.spi.PendingDelivery;
import io.clusterd.spi.StoreChanges;
import java.time.Instant;
import java.util.Map;

/**
 * What every store refuses before it touches anything: text that is not valid Unicode (an unpaired UTF-16
 * surrogate, which a database would silently replace) and times outside epoch milliseconds. Shared so the stores
 * agree exactly on what they accept.
 */
public final class StoreChecks {
  private StoreChecks() { }

  /**
   * Checks a batch.
   *
   * @param where names the store in messages, e.g. its file
   * @throws ClusterdException {@link ErrorCode#STORE_FAILURE} naming the field and saying nothing was applied
   */
  public static void check(StoreChanges changes, String where) {
    for (NodeRecord record : changes.putNodes()) {
      Node node = record.node();
      text(where, "node name", node.name());
      text(where, "node description", node.description());
      map(where, "label", node.labels());
      record.parent().ifPresent(parent -> text(where, "parent id", parent));
      if (node instanceof Instance instance) {
        text(where, "instance endpoint", instance.endpoint().toString());
        text(where, "instance transport", instance.transport());
        text(where, "instance visibility", instance.visibility());
      }
    }
    for (StoreChanges.PinRecord pin : changes.putPins()) {
      text(where, "pin cluster id", pin.cluster());
      text(where, "pin value", pin.pin().value());
      map(where, "pin metadata", pin.pin().meta());
    }
    for (HistoryEntry entry : changes.history()) {
      millis(where, "history time", entry.time());
      text(where, "history actor", entry.actor().orElse(""));
      text(where, "history node", entry.node());
      text(where, "history operation", entry.operation());
      text(where, "history key", entry.key().orElse(""));
      text(where, "history old value", entry.oldValue().orElse(""));
      text(where, "history new value", entry.newValue().orElse(""));
      text(where, "history outcome", entry.outcome());
    }
    for (PendingDelivery delivery : changes.putPending()) {
      text(where, "pending instance id", delivery.instance());
      millis(where, "pending since", delivery.since());
      text(where, "pending reason", delivery.reason());
      KeyOperation op = delivery.operation();
      text(where, "pending operation value", op.value().orElse(""));
      text(where, "pending operation metadata name", op.metaName().orElse(""));
    }
    for (io.clusterd.spi.RolloutRecord rollout : changes.putRollouts()) {
      text(where, "rollout id", rollout.id());
      text(where, "rollout cluster id", rollout.cluster());
      text(where, "rollout document", rollout.document());
    }
  }

  private static void map(String where, String what, Map<String, String> map) {
    map.forEach((name, value) -> {
      text(where, what + " name", name);
      text(where, what + " value", value);
    });
  }

  private static void text(String where, String what, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw ClusterdException.of(ErrorCode.STORE_FAILURE, "cannot store the " + what + " in " + where
            + ": it contains an unpaired UTF-16 surrogate at index " + i + ", which is not valid Unicode;"
            + " nothing was applied", Map.of("field", what));
      }
    }
  }

  private static void millis(String where, String what, Instant time) {
    try {
      time.toEpochMilli();
    } catch (ArithmeticException e) {
      throw new ClusterdException(ErrorCode.STORE_FAILURE, "cannot store the " + what + " " + time + " in " + where
          + ": it is outside the range of epoch milliseconds; nothing was applied", Map.of("field", what), e);
    }
  }
}
