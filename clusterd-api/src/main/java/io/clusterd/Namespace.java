package io.clusterd;

import java.util.Optional;

/**
 * The namespace of an Elektra key name: the part written before {@code :/}, or nothing for a cascading name.
 *
 * <p>The constants are declared in Elektra's key order (the values of its {@code KEY_NS_*} constants, from
 * {@code KEY_NS_CASCADING = 1} to {@code KEY_NS_DEFAULT = 8}), so {@link #compareTo} orders namespaces the way
 * Elektra orders keys: cascading, meta, spec, proc, dir, user, system, default. When a cascading name is
 * resolved, the namespaces proc, dir, user, system and default override each other in this order.
 *
 * <pre>{@code
 * Namespace ns = Namespace.fromPrefix("user").orElseThrow(); // USER
 * ns.prefix();      // "user:"
 * ns.isWritable();  // true
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public enum Namespace {
  /** Keys written without a namespace, e.g. {@code /app/port}; resolved against the other namespaces. */
  CASCADING(""),
  /** Metadata keys attached to another key, e.g. {@code meta:/type}. */
  META("meta:"),
  /** Specifications of other keys, e.g. {@code spec:/app/port}. */
  SPEC("spec:"),
  /** In-memory keys of one process. */
  PROC("proc:"),
  /** Keys of one directory. */
  DIR("dir:"),
  /** Keys of one user. */
  USER("user:"),
  /** Keys of the whole system. */
  SYSTEM("system:"),
  /** In-memory default values used by namespace resolution. */
  DEFAULT("default:");

  private final String prefix;

  Namespace(String prefix) {
    this.prefix = prefix;
  }

  /**
   * The written prefix of this namespace including the colon, e.g. {@code "user:"}; {@code ""} for
   * {@link #CASCADING}. A key name is {@code prefix() + "/" + parts}.
   */
  public String prefix() {
    return prefix;
  }

  /**
   * Whether clusterd may write keys of this namespace to an instance: true for {@link #USER}, {@link #SYSTEM},
   * {@link #DIR} and {@link #SPEC} only. Cascading and default keys are never stored, proc keys live in one
   * process, meta keys are attached to other keys.
   */
  public boolean isWritable() {
    return this == USER || this == SYSTEM || this == DIR || this == SPEC;
  }

  /**
   * Why clusterd never writes keys of this namespace to an instance, in a few words; empty for the writable ones.
   * Transports and the core use it so every refusal gives the same reason.
   */
  public Optional<String> whyNotWritable() {
    switch (this) {
      case CASCADING:
        return Optional.of("a cascading name cannot be addressed on an instance");
      case PROC:
        return Optional.of("a write under proc:/ crashes elektrad");
      case DEFAULT:
        return Optional.of("default:/ is not persisted");
      case META:
        return Optional.of("meta:/ holds metadata, not keys");
      default:
        return Optional.empty();
    }
  }

  /**
   * The namespace written as {@code s}: {@code "user"} or {@code "user:"} give {@link #USER}, and so on for
   * {@code meta}, {@code spec}, {@code proc}, {@code dir}, {@code system} and {@code default}; {@code ""} gives
   * {@link #CASCADING} (so {@code fromPrefix(ns.prefix())} is {@code ns}). Matching is case-sensitive, as in
   * Elektra.
   *
   * @return the namespace, or empty if {@code s} names none
   * @throws NullPointerException if {@code s} is null
   */
  public static Optional<Namespace> fromPrefix(String s) {
    int len = s.length();
    if (len > 0 && s.charAt(len - 1) == ':') {
      len--;
    } else if (len == 0) {
      return Optional.of(CASCADING);
    }
    Namespace ns = byName(s, 0, len);
    return ns == null || ns == CASCADING ? Optional.empty() : Optional.of(ns);
  }

  /**
   * The namespace whose name (without colon) is {@code s.substring(from, to)}, or null. Allocation-free, for
   * the key name parser.
   */
  static Namespace byName(String s, int from, int to) {
    switch (to - from) {
      case 3:
        return s.startsWith("dir", from) ? DIR : null;
      case 4:
        if (s.startsWith("user", from)) {
          return USER;
        }
        if (s.startsWith("meta", from)) {
          return META;
        }
        if (s.startsWith("spec", from)) {
          return SPEC;
        }
        return s.startsWith("proc", from) ? PROC : null;
      case 6:
        return s.startsWith("system", from) ? SYSTEM : null;
      case 7:
        return s.startsWith("default", from) ? DEFAULT : null;
      default:
        return null;
    }
  }
}
