package io.clusterd;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;

/**
 * A canonical Elektra key name: a {@link Namespace} and zero or more parts, validated, canonicalized and
 * ordered exactly as Elektra (0.9 and later) does; the rules, as clusterd accepts them, are in
 * {@code docs/keynames.md}.
 *
 * <p>A part is any (possibly empty) string without NUL; in the written, <em>escaped</em> form
 * ({@link #toString()}) parts follow {@code /}, and {@code \/} and {@code \\} stand for a slash and a backslash
 * inside a part, {@code %} for the empty part, {@code \%}, {@code \.} and {@code \..} for the literal parts
 * {@code %}, {@code .} and {@code ..}, and {@code \#10} for the literal part {@code #10} (which written as
 * {@code #10} would be the array part {@code #_10}). {@link #parse} canonicalizes: it drops {@code .} parts,
 * empty parts from {@code //} and a trailing {@code /}, lets {@code ..} remove the previous part (never the
 * namespace), and writes array parts with their underscores ({@code #1234} becomes {@code #___1234}). It also
 * reads the names of Elektra before 0.9: {@code user/a} is {@code user:/a} and {@code system} is
 * {@code system:/}.
 *
 * <p>Invariants: the namespace and parts are fixed; {@link #toString()} is the canonical escaped name, and
 * {@code parse(k.toString()).equals(k)}; no part contains NUL or an unpaired surrogate; the first part is never
 * empty ({@code /%} is invalid: Elektra could not tell it from the root key). Keys are ordered as Elektra orders
 * them: by namespace, then part by part comparing the UTF-8 bytes of the unescaped parts, a shorter key first
 * when it is a prefix, so {@code /key < /key/sub < /key.1}. {@link #equals} agrees with that order.
 *
 * <pre>{@code
 * KeyName port = KeyName.parse("user:/app/./server/../port"); // user:/app/port
 * port.namespace();                                     // USER
 * port.parts();                                         // [app, port]
 * port.isBelow(KeyName.parse("user:/app"));             // true
 * KeyName odd = port.parent().orElseThrow().append("a/b"); // user:/app/a\/b
 * KeyName.tryParse("user:/a\\b");                       // Optional.empty(): '\b' is no escape
 * }</pre>
 *
 * <p>Immutable and thread-safe. The canonical string and its hash are computed once; {@link #parts()} is a
 * cached view, not a copy.
 */
public final class KeyName implements Comparable<KeyName> {
  static final String[] NO_PARTS = new String[0];

  private static final KeyName[] ROOTS = new KeyName[Namespace.values().length];

  static {
    for (Namespace ns : Namespace.values()) {
      ROOTS[ns.ordinal()] = new KeyName(ns, NO_PARTS, ns.prefix() + "/");
    }
  }

  private final Namespace namespace;
  private final String[] parts;
  private final String canonical;
  /** Lazily created view of {@link #parts}; a benign race, as the view's only state is a final field. */
  private List<String> partsView;

  KeyName(Namespace namespace, String[] parts, String canonical) {
    this.namespace = namespace;
    this.parts = parts;
    this.canonical = canonical;
  }

  /**
   * Parses and canonicalizes an escaped key name such as {@code user:/app/port}, {@code /app/port} (cascading)
   * or the legacy {@code user/app/port}.
   *
   * @throws ClusterdException with {@link ErrorCode#INVALID_KEY_NAME} if {@code name} is not a valid key name;
   *     the message says what is wrong and where, the details hold {@code name} (the input) and {@code reason}
   *     (a short reason such as {@code "illegal escape"})
   * @throws NullPointerException if {@code name} is null
   */
  public static KeyName parse(String name) {
    Objects.requireNonNull(name, "name");
    KeyNameParser[] error = new KeyNameParser[1];
    KeyName k = KeyNameParser.parse(name, error);
    if (k == null) {
      throw error[0].nameError();
    }
    return k;
  }

  /**
   * Like {@link #parse}, but returns empty for an invalid name instead of throwing.
   *
   * @throws NullPointerException if {@code name} is null
   */
  public static Optional<KeyName> tryParse(String name) {
    Objects.requireNonNull(name, "name");
    return Optional.ofNullable(KeyNameParser.parse(name, null));
  }

  /**
   * The canonical form of a metadata name, as Elektra canonicalizes the key name {@code meta:/<name>}
   * ({@code check//type/} is {@code check/type}); empty when it is not a valid, non-empty metadata name.
   *
   * @throws NullPointerException if {@code name} is null
   */
  public static Optional<String> canonicalMetaName(String name) {
    Objects.requireNonNull(name, "name");
    return tryParse(Namespace.META.prefix() + "/" + name).filter(k -> !k.isRoot())
        .map(k -> k.toString().substring(Namespace.META.prefix().length() + 1));
  }

  /**
   * The canonical form of a metadata name, as {@link #canonicalMetaName}, for a name that must be one.
   *
   * @throws ClusterdException {@link ErrorCode#INVALID_BODY} naming the invalid name
   */
  public static String requireMetaName(String name) {
    return canonicalMetaName(name).orElseThrow(() -> ClusterdException.invalidMetaName(name));
  }

  /** The root key of {@code ns}: {@code user:/}, or {@code /} for {@link Namespace#CASCADING}. */
  public static KeyName root(Namespace ns) {
    return ROOTS[ns.ordinal()];
  }

  /**
   * The key of {@code ns} with the given unescaped parts; each part may be any string without NUL or unpaired
   * surrogates (a {@code "/"} in a part is a slash inside that part, not a separator).
   *
   * @throws ClusterdException with {@link ErrorCode#INVALID_KEY_NAME} if a part is invalid or the first part is
   *     empty
   * @throws NullPointerException if {@code ns}, {@code unescapedParts} or a part is null
   */
  public static KeyName of(Namespace ns, List<String> unescapedParts) {
    Objects.requireNonNull(ns, "ns");
    String[] p = unescapedParts.toArray(NO_PARTS);
    for (String part : p) {
      checkPart(Objects.requireNonNull(part, "part"), ns);
    }
    if (p.length == 0) {
      return root(ns);
    }
    if (p[0].isEmpty()) {
      throw emptyFirstPart(ns);
    }
    return new KeyName(ns, p, render(ns, p));
  }

  /** The namespace. */
  public Namespace namespace() {
    return namespace;
  }

  /** The unescaped parts, outermost first; an unmodifiable list, empty for a root key. */
  public List<String> parts() {
    List<String> v = partsView;
    if (v == null) {
      v = new PartList(parts);
      partsView = v;
    }
    return v;
  }

  /** The number of parts; 0 for a root key. */
  public int depth() {
    return parts.length;
  }

  /** Whether this is a root key ({@code /}, {@code user:/}, ...), i.e. has no parts. */
  public boolean isRoot() {
    return parts.length == 0;
  }

  /** Whether the namespace is {@link Namespace#CASCADING}. */
  public boolean isCascading() {
    return namespace == Namespace.CASCADING;
  }

  /** The unescaped last part; {@code ""} for a root key. */
  public String baseName() {
    return parts.length == 0 ? "" : parts[parts.length - 1];
  }

  /** The key this one is directly below ({@code user:/a} for {@code user:/a/b}); empty for a root key. */
  public Optional<KeyName> parent() {
    int n = parts.length;
    if (n == 0) {
      return Optional.empty();
    }
    if (n == 1) {
      return Optional.of(root(namespace));
    }
    String[] p = new String[n - 1];
    System.arraycopy(parts, 0, p, 0, n - 1);
    int slash = canonical.length() - appendEscapedPart(new StringBuilder(), parts[n - 1]).length() - 1;
    return Optional.of(new KeyName(namespace, p, canonical.substring(0, slash)));
  }

  /**
   * This key with one more part, {@code unescapedPart} taken literally (it is escaped as needed in
   * {@link #toString()}: {@code append("a/b")} adds one part written {@code a\/b}).
   *
   * @throws ClusterdException with {@link ErrorCode#INVALID_KEY_NAME} if the part contains NUL or an unpaired
   *     surrogate, or if it is empty and this is a root key (a
   *     first part must not be empty)
   * @throws NullPointerException if {@code unescapedPart} is null
   */
  public KeyName append(String unescapedPart) {
    Objects.requireNonNull(unescapedPart, "unescapedPart");
    checkPart(unescapedPart, namespace);
    int n = parts.length;
    if (n == 0 && unescapedPart.isEmpty()) {
      throw emptyFirstPart(namespace);
    }
    String[] p = new String[n + 1];
    System.arraycopy(parts, 0, p, 0, n);
    p[n] = unescapedPart;
    String escaped = escapePart(unescapedPart);
    return new KeyName(namespace, p, n == 0 ? canonical + escaped : canonical + '/' + escaped);
  }

  /**
   * This key with the escaped relative name {@code escapedRelativeName} added, as Elektra's {@code keyAddName}
   * does: the relative name may start with {@code /} or not, its parts are unescaped and canonicalized, a
   * {@code .} part is dropped and a {@code ..} part removes the previous part, which may be one of this key's
   * parts, but never goes above the namespace root. Namespace prefixes are not recognized in a relative name:
   * {@code user:} is an ordinary part. {@code root(CASCADING).appendEscaped("a/../b\\/c")} is {@code /b\/c}.
   *
   * @throws ClusterdException with {@link ErrorCode#INVALID_KEY_NAME} if the relative name is invalid (an
   *     illegal escape, a dangling backslash, a NUL) or the result would start with an empty part
   * @throws NullPointerException if {@code escapedRelativeName} is null
   */
  public KeyName appendEscaped(String escapedRelativeName) {
    Objects.requireNonNull(escapedRelativeName, "escapedRelativeName");
    if (escapedRelativeName.isEmpty()) {
      return this;
    }
    KeyNameParser[] error = new KeyNameParser[1];
    KeyName k = KeyNameParser.addName(this, escapedRelativeName, error);
    if (k == null) {
      throw error[0].relativeError(this);
    }
    return k.equals(this) ? this : k;
  }

  /** The key with the same parts in namespace {@code ns}. */
  public KeyName withNamespace(Namespace ns) {
    Objects.requireNonNull(ns, "ns");
    if (ns == namespace) {
      return this;
    }
    if (parts.length == 0) {
      return root(ns);
    }
    return new KeyName(ns, parts, ns.prefix() + canonical.substring(namespace.prefix().length()));
  }

  /**
   * Whether this key is below {@code other}: same namespace, and {@code other}'s parts are a proper prefix of
   * this key's parts. A key is not below itself, and keys of different namespaces are never below each other
   * (unlike Elektra's {@code keyIsBelow}, a cascading key is not treated as matching every namespace).
   */
  public boolean isBelow(KeyName other) {
    return namespace == other.namespace && other.parts.length < parts.length && startsWith(other.parts);
  }

  /** Whether this key equals {@code other} or is {@link #isBelow below} it. */
  public boolean isBelowOrSame(KeyName other) {
    return namespace == other.namespace && other.parts.length <= parts.length && startsWith(other.parts);
  }

  /**
   * Whether a lookup of {@code top} lists this key: at or below it, and for a cascading {@code top} in every
   * namespace (a lookup of the cascading root {@code /} lists every key), as elektrad answers a lookup.
   */
  public boolean isListedBy(KeyName top) {
    return top.namespace == Namespace.CASCADING && namespace != Namespace.CASCADING
        ? top.parts.length <= parts.length && startsWith(top.parts)
        : isBelowOrSame(top);
  }

  /** Whether this key is below {@code other} and has exactly one part more. */
  public boolean isDirectlyBelow(KeyName other) {
    return namespace == other.namespace && other.parts.length + 1 == parts.length && startsWith(other.parts);
  }

  /**
   * Moves this key from one subtree to another: {@code toPrefix} followed by the parts of this key that follow
   * {@code fromPrefix}. {@code user:/a/b/c} relocated from {@code user:/a} to {@code system:/x} is
   * {@code system:/x/b/c}.
   *
   * @throws IllegalArgumentException if this key is not {@link #isBelowOrSame at or below} {@code fromPrefix}
   * @throws ClusterdException with {@link ErrorCode#INVALID_KEY_NAME} if the result would start with an
   *     empty part
   */
  public KeyName relocate(KeyName fromPrefix, KeyName toPrefix) {
    Objects.requireNonNull(toPrefix, "toPrefix");
    if (!isBelowOrSame(fromPrefix)) {
      throw new IllegalArgumentException("'" + this + "' is not at or below '" + fromPrefix + "'");
    }
    int keep = toPrefix.parts.length;
    int skip = fromPrefix.parts.length;
    int n = keep + parts.length - skip;
    if (n == keep) {
      return toPrefix;
    }
    String[] p = new String[n];
    System.arraycopy(toPrefix.parts, 0, p, 0, keep);
    System.arraycopy(parts, skip, p, keep, parts.length - skip);
    if (p[0].isEmpty()) {
      throw emptyFirstPart(toPrefix.namespace);
    }
    return new KeyName(toPrefix.namespace, p, render(toPrefix.namespace, p));
  }

  /**
   * The escaped form of one part as it appears in a canonical name: {@code ""} is {@code %}; {@code %},
   * {@code .} and {@code ..} get a leading backslash, and so does a {@code #} followed by 2 to 19 digits that
   * would otherwise be read as a non-canonical array part ({@code #10} is {@code \#10}); {@code /} and
   * {@code \} are escaped anywhere. Everything else is written as it is.
   *
   * @throws ClusterdException with {@link ErrorCode#INVALID_KEY_NAME} if the part contains NUL or an unpaired
   *     surrogate
   * @throws NullPointerException if {@code unescapedPart} is null
   */
  public static String escapePart(String unescapedPart) {
    Objects.requireNonNull(unescapedPart, "unescapedPart");
    checkPart(unescapedPart, Namespace.CASCADING);
    return appendEscapedPart(new StringBuilder(unescapedPart.length() + 2), unescapedPart).toString();
  }

  /** The canonical escaped name, e.g. {@code user:/a/b\/c}, {@code /} or {@code system:/}. */
  @Override
  public String toString() {
    return canonical;
  }

  /**
   * Elektra's order: by namespace (in {@link Namespace} declaration order), then part by part comparing the
   * UTF-8 bytes of the unescaped parts as unsigned numbers, a key that is a prefix of the other first.
   */
  @Override
  public int compareTo(KeyName o) {
    if (this == o) {
      return 0;
    }
    if (namespace != o.namespace) {
      return namespace.compareTo(o.namespace);
    }
    String[] a = parts;
    String[] b = o.parts;
    int n = Math.min(a.length, b.length);
    for (int i = 0; i < n; i++) {
      String x = a[i];
      String y = b[i];
      if (x != y) {
        int c = comparePart(x, y);
        if (c != 0) {
          return c;
        }
      }
    }
    return a.length - b.length;
  }

  /** Equal when namespace and parts are equal, which is when the canonical names are equal. */
  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof KeyName k && canonical.equals(k.canonical));
  }

  @Override
  public int hashCode() {
    return canonical.hashCode(); // String caches it
  }

  // ---- package-private helpers ----

  String[] partsArray() {
    return parts;
  }

  /** The canonical escaped name of {@code ns} and {@code parts}. */
  static String render(Namespace ns, String[] parts) {
    String prefix = ns.prefix();
    if (parts.length == 0) {
      return prefix + "/";
    }
    int cap = prefix.length();
    for (String p : parts) {
      cap += p.length() + 2;
    }
    StringBuilder b = new StringBuilder(cap).append(prefix);
    for (String p : parts) {
      appendEscapedPart(b.append('/'), p);
    }
    return b.toString();
  }

  private static StringBuilder appendEscapedPart(StringBuilder b, String part) {
    int n = part.length();
    if (n == 0) {
      return b.append('%');
    }
    char c0 = part.charAt(0);
    if ((n == 1 && (c0 == '%' || c0 == '.')) || (n == 2 && c0 == '.' && part.charAt(1) == '.')
        || (c0 == '#' && n >= 3 && isNonCanonicalIndex(part))) {
      return b.append('\\').append(part);
    }
    for (int i = 0; i < n; i++) {
      char c = part.charAt(i);
      if (c == '/' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b;
  }

  /** Whether {@code part} is {@code #} followed by 2 to 19 digits without leading zero, at most 2^63-1. */
  private static boolean isNonCanonicalIndex(String part) {
    int n = part.length();
    int digits = n - 1;
    if (digits < 2 || digits > 19 || part.charAt(1) == '0') {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = part.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return digits < 19 || part.compareTo("#9223372036854775807") <= 0;
  }

  /**
   * Compares two parts by Unicode code point, which is the order of their UTF-8 bytes. UTF-16 code unit order
   * differs only when a surrogate meets a code unit of U+E000..U+FFFF, so such pairs are shifted (as ICU does).
   */
  private static int comparePart(String x, String y) {
    int n = Math.min(x.length(), y.length());
    for (int i = 0; i < n; i++) {
      char a = x.charAt(i);
      char b = y.charAt(i);
      if (a != b) {
        if (a >= 0xD800 && b >= 0xD800) {
          a += a >= 0xE000 ? -0x800 : 0x2000;
          b += b >= 0xE000 ? -0x800 : 0x2000;
        }
        return a - b;
      }
    }
    return x.length() - y.length();
  }

  private boolean startsWith(String[] prefix) {
    String[] p = parts;
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (!p[i].equals(prefix[i])) {
        return false;
      }
    }
    return true;
  }

  private static void checkPart(String part, Namespace ns) {
    String problem = KeyNameParser.partProblem(part);
    if (problem != null) {
      throw KeyNameParser.invalid(ns.prefix() + "/" + part,
          "invalid key name part '" + part + "': a part must not contain "
              + (problem.equals("NUL character") ? "the NUL character" : "an unpaired UTF-16 surrogate"),
          problem);
    }
  }

  private static ClusterdException emptyFirstPart(Namespace ns) {
    String name = ns.prefix() + "/%";
    return KeyNameParser.invalid(name, "invalid key name starting with '" + name + "': the first part is empty; "
        + "Elektra cannot tell '" + name + "' from the root key '" + ns.prefix() + "/', so no key name may start "
        + "with an empty part", "empty first part");
  }

  /** The unmodifiable view behind {@link #parts()}. */
  private static final class PartList extends AbstractList<String> implements RandomAccess {
    private final String[] parts;

    PartList(String[] parts) {
      this.parts = parts;
    }

    @Override
    public String get(int index) {
      return parts[index];
    }

    @Override
    public int size() {
      return parts.length;
    }
  }
}
