package io.clusterd.core.transport.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which addresses are link-local or a cloud's metadata service, decided on the address itself, never on how a
 * URL writes it. A host is first read as an address literal the way the JDK, the C resolver or a browser would
 * read it ({@code 2852039166}, {@code 0xa9fea9fe}, {@code 0251.0376.0251.0376}, {@code 169.254.43518},
 * {@code [::ffff:a9fe:a9fe]} and {@code [fd00:0ec2::254]} are all metadata addresses); a host name is judged
 * by every address it resolves to. IPv4 addresses inside IPv6 ones (IPv4-mapped {@code ::ffff:0:0/96},
 * IPv4-compatible {@code ::/96}, NAT64 {@code 64:ff9b::/96}) are unwrapped first.
 *
 * <p>Refused: link-local {@code 169.254.0.0/16} (AWS, GCP, Azure, OCI, OpenStack and others serve metadata at
 * {@code 169.254.169.254}, AWS ECS at {@code 169.254.170.2}) and {@code fe80::/10}; AWS's {@code fd00:ec2::254},
 * GCP's {@code fd20:ce::254}, Alibaba Cloud's {@code 100.100.100.200}, Oracle Cloud's {@code 192.0.0.192} and
 * Azure's platform address {@code 168.63.129.16}; and the names {@code metadata.google.internal},
 * {@code metadata.goog} and {@code metadata.tencentyun.com} with or without a trailing dot (refused even where
 * they do not resolve).
 *
 * <p>Stateless and thread-safe.
 */
public final class MetadataAddresses {
  private static final Set<String> NAMES = Set.of("metadata.google.internal", "metadata.goog",
      "metadata.tencentyun.com");
  private static final List<byte[]> V4 = List.of(v4(100, 100, 100, 200), v4(192, 0, 0, 192), v4(168, 63, 129, 16));
  private static final List<byte[]> V6 = List.of(
      v6(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254),
      v6(0xfd20, 0x00ce, 0, 0, 0, 0, 0, 0x0254));

  private MetadataAddresses() {
  }

  /**
   * Why a connection to {@code host} must not be made, or empty when it may: its name is a metadata name, its
   * literal is a refused address, or one of {@code addresses} (what it resolves to) is.
   */
  public static Optional<String> refusal(String host, List<InetAddress> addresses) {
    String name = bare(host);
    if (NAMES.contains(stripDots(name))) {
      return Optional.of("'" + name + "' is the name of a cloud metadata service");
    }
    Optional<InetAddress> literal = literal(host);
    if (literal.isPresent()) {
      return refusal(literal.get());
    }
    for (InetAddress a : addresses) {
      Optional<String> why = refusal(a);
      if (why.isPresent()) {
        return Optional.of("'" + name + "' resolves to " + why.get());
      }
    }
    return Optional.empty();
  }

  /** Why {@code address} must not be connected to (e.g. "169.254.169.254, a link-local address"), or empty. */
  public static Optional<String> refusal(InetAddress address) {
    byte[] b = address.getAddress();
    byte[] v4 = b.length == 4 ? b : embeddedV4(b);
    if (v4 != null) {
      String text = (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + "." + (v4[3] & 0xff);
      String shown = b.length == 4 ? text : address.getHostAddress() + " (" + text + ")";
      if ((v4[0] & 0xff) == 169 && (v4[1] & 0xff) == 254) {
        return Optional.of(shown + ", a link-local address (where clouds serve instance metadata)");
      }
      for (byte[] m : V4) {
        if (Arrays.equals(m, v4)) {
          return Optional.of(shown + ", a cloud metadata address");
        }
      }
      return Optional.empty();
    }
    if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
      return Optional.of(address.getHostAddress() + ", a link-local address");
    }
    for (byte[] m : V6) {
      if (Arrays.equals(m, b)) {
        return Optional.of(address.getHostAddress() + ", a cloud metadata address");
      }
    }
    return Optional.empty();
  }

  /**
   * The addresses a connection to {@code host} (as a URL writes it, IPv6 in brackets) may reach: its literal
   * read as {@link #literal} does, else what the name resolves to now (through the JVM's resolver and its
   * cache, as the JDK's HTTP client resolves it).
   *
   * @throws UnknownHostException when the name does not resolve
   */
  public static List<InetAddress> addresses(String host) throws UnknownHostException {
    Optional<InetAddress> literal = literal(host);
    if (literal.isPresent()) {
      return List.of(literal.get());
    }
    return List.of(InetAddress.getAllByName(bare(host)));
  }

  /**
   * The address {@code host} writes literally, or empty for a host name. IPv4 is read as {@code inet_aton} and
   * the URL standard read it: one to four parts, each decimal, octal (leading {@code 0}) or hexadecimal
   * ({@code 0x}), the last filling the remaining bytes, one trailing dot allowed. IPv6 may be in brackets and
   * carry a zone ({@code %eth0} or {@code %25eth0}).
   */
  public static Optional<InetAddress> literal(String host) {
    String h = bare(host);
    if (h.indexOf(':') >= 0) {
      int zone = h.indexOf('%');
      String plain = zone >= 0 ? h.substring(0, zone) : h;
      if (!plain.matches("[0-9A-Fa-f:.]+")) {
        return Optional.empty();
      }
      try {
        // in brackets the JDK reads it as an IPv6 literal only, never as a name to look up
        return Optional.of(InetAddress.getByName("[" + plain + "]"));
      } catch (UnknownHostException e) {
        return Optional.empty();
      }
    }
    byte[] v4 = parseV4(h);
    if (v4 == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByAddress(v4));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // four bytes are always an address
    }
  }

  private static String bare(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h;
  }

  private static String stripDots(String name) {
    String n = name;
    while (n.endsWith(".")) {
      n = n.substring(0, n.length() - 1);
    }
    return n;
  }

  private static byte[] parseV4(String h) {
    String s = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    if (s.isEmpty() || s.endsWith(".")) {
      return null;
    }
    String[] parts = s.split("\\.", -1);
    if (parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Long v = number(parts[i]);
      if (v == null) {
        return null;
      }
      values[i] = v;
    }
    long address = 0;
    for (int i = 0; i < values.length - 1; i++) {
      if (values[i] > 255) {
        return null;
      }
      address |= values[i] << (8 * (3 - i));
    }
    long last = values[values.length - 1];
    if (last >= 1L << (8 * (5 - values.length))) {
      return null;
    }
    address |= last;
    return new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
  }

  /** One part of an IPv4 literal, or null when it is not a number (or too large to be one). */
  private static Long number(String part) {
    if (part.isEmpty()) {
      return null;
    }
    int radix = 10;
    String digits = part;
    if (part.startsWith("0x")) {
      radix = 16;
      digits = part.substring(2);
      if (digits.isEmpty()) {
        return 0L;
      }
    } else if (part.length() > 1 && part.startsWith("0")) {
      radix = 8;
      digits = part.substring(1);
    }
    if (digits.length() > 12) {
      return null;
    }
    for (char c : digits.toCharArray()) {
      if (Character.digit(c, radix) < 0) {
        return null;
      }
    }
    return Long.parseLong(digits, radix);
  }

  /** The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 IPv6 address, else null. */
  private static byte[] embeddedV4(byte[] b) {
    boolean zeros80 = true;
    for (int i = 0; i < 10; i++) {
      zeros80 &= b[i] == 0;
    }
    boolean mapped = zeros80 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = zeros80 && b[10] == 0 && b[11] == 0
        && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] == 0 || b[15] == 1)); // not :: or ::1
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = b[i] == 0;
    }
    return mapped || compatible || nat64 ? Arrays.copyOfRange(b, 12, 16) : null;
  }

  private static byte[] v4(int a, int b, int c, int d) {
    return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
  }

  private static byte[] v6(int... groups) {
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      out[2 * i] = (byte) (groups[i] >>> 8);
      out[2 * i + 1] = (byte) groups[i];
    }
    return out;
  }
}
