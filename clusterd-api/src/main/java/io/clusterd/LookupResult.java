package io.clusterd;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to a lookup of one key in an instance's key database, shaped as elektrad answers it.
 *
 * <ul>
 *   <li>{@code exists}: whether the key itself exists;
 *   <li>{@code name}: the unescaped base name ({@code ""} for a namespace root);
 *   <li>{@code path}: the canonical escaped key name;
 *   <li>{@code ls}: every existing key at or below {@code path}, the key itself included, in Elektra order;
 *   <li>{@code value}: the value, {@code ""} when missing or empty (elektrad omits both);
 *   <li>{@code meta}: metadata without the {@code meta:/} prefix;
 *   <li>{@code children}: existing keys directly below, recursively as deep as the preload asked.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public record LookupResult(
    boolean exists,
    String name,
    String path,
    List<String> ls,
    String value,
    Map<String, String> meta,
    List<LookupResult> children) {

  public LookupResult {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(path, "path");
    ls = List.copyOf(ls);
    value = value == null ? "" : value;
    meta = Map.copyOf(meta);
    children = List.copyOf(children);
  }

  /** The answer for a key that does not exist and has nothing below it. */
  public static LookupResult missing(KeyName key) {
    return new LookupResult(false, key.baseName(), key.toString(), List.of(), "", Map.of(), List.of());
  }
}
