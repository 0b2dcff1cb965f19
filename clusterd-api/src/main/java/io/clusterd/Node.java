package io.clusterd;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A node of clusterd's tree: either an {@link Instance} (a leaf, one host's key database) or a {@link Cluster}
 * (a named group of instances and clusters, nested to any depth).
 *
 * <p>Every node has a stable {@link #id()} (a client-chosen slug matching {@code [a-z0-9][a-z0-9._-]{0,62}}, the
 * slug of a cluster's name when none is given, or a server-generated UUID), a display {@link #name()} of 1 to 200
 * characters, a possibly empty {@link #description()} and string {@link #labels()}. Values are immutable snapshots and thread-safe; the
 * registry hands out new values after each change.
 *
 * <pre>{@code
 * if (node instanceof Cluster c) {
 *   c.children().forEach(child -> System.out.println(child.id()));
 * } else if (node instanceof Instance i) {
 *   System.out.println(i.endpoint());
 * }
 * }</pre>
 */
public sealed interface Node permits Cluster, Instance {

  /** What ids must look like when a client chooses them. */
  Pattern ID_PATTERN = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  /** Longest display name accepted. */
  int MAX_NAME_LENGTH = 200;

  String id();

  String name();

  /** The description, empty when none. */
  String description();

  /** Labels, unmodifiable, possibly empty. */
  Map<String, String> labels();

  /** Checks an id chosen by a client; server-generated UUIDs always pass. */
  static String requireValidId(String id) {
    if (id == null || id.isEmpty()) {
      throw ClusterdException.of(ErrorCode.INVALID_ID, "the node id is missing");
    }
    if (!ID_PATTERN.matcher(id).matches() && !isUuid(id)) {
      throw ClusterdException.of(ErrorCode.INVALID_ID,
          "invalid id '" + id + "': use 1 to 63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
          Map.of("id", id));
    }
    return id;
  }

  /** Checks a display name: present, 1..200 characters after trimming. */
  static String requireValidName(String name) {
    if (name == null || name.isBlank()) {
      throw ClusterdException.of(ErrorCode.NAME_MISSING, "the name is missing: give a display name of 1 to 200 characters");
    }
    String trimmed = name.strip();
    if (trimmed.length() > MAX_NAME_LENGTH) {
      throw ClusterdException.of(ErrorCode.INVALID_BODY,
          "the name is " + trimmed.length() + " characters long; at most " + MAX_NAME_LENGTH + " are allowed",
          Map.of("field", "name"));
    }
    return trimmed;
  }

  private static boolean isUuid(String id) {
    if (id.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = id.charAt(i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? c != '-' : Character.digit(c, 16) < 0 || Character.isUpperCase(c)) {
        return false;
      }
    }
    return true;
  }
}
