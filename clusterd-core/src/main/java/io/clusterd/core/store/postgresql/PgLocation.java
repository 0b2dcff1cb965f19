package io.clusterd.core.store.postgresql;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Where a PostgreSQL store is: the JDBC URL the driver connects to, the connection properties (user, password)
 * and a description without credentials for answers and logs. Accepts {@code postgresql://host:5432/db?user=u},
 * {@code postgresql://u:secret@host/db}, {@code postgres://...} and {@code jdbc:postgresql://...}.
 */
record PgLocation(String jdbcUrl, Properties properties, String description) {

  static boolean looksLikePostgres(String store) {
    return store.startsWith("postgresql://") || store.startsWith("postgres://") || store.startsWith("jdbc:postgresql:");
  }

  /** @throws IllegalArgumentException saying what is wrong with the URL */
  static PgLocation parse(String store) {
    if (!looksLikePostgres(store)) {
      throw new IllegalArgumentException("not a PostgreSQL store URL: '" + redact(store)
          + "'; write postgresql://host:5432/database?user=name (or a jdbc:postgresql: URL)");
    }
    String plain = store.startsWith("jdbc:") ? store.substring("jdbc:".length()) : store;
    URI uri;
    try {
      uri = new URI(plain);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the PostgreSQL store URL '" + redact(store) + "' is not a URL: "
          + e.getReason());
    }
    if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
      throw new IllegalArgumentException("the PostgreSQL store URL '" + redact(store)
          + "' needs a host and a database: postgresql://host:5432/database?user=name");
    }
    Map<String, String> query = new LinkedHashMap<>();
    if (uri.getRawQuery() != null) {
      for (String pair : uri.getRawQuery().split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        query.put(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
    Properties properties = new Properties();
    if (uri.getRawUserInfo() != null) {
      String info = uri.getRawUserInfo();
      int colon = info.indexOf(':');
      properties.setProperty("user", decode(colon < 0 ? info : info.substring(0, colon)));
      if (colon >= 0) {
        properties.setProperty("password", decode(info.substring(colon + 1)));
      }
    }
    query.forEach(properties::setProperty);
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    String hostPortDb = uri.getHost() + ":" + port + uri.getPath();
    return new PgLocation("jdbc:postgresql://" + hostPortDb, properties, "postgresql://" + hostPortDb);
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  /** The URL with any password left out, for messages. */
  static String redact(String store) {
    return store.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//([^/@:]*):[^/@]*@", "//$1:***@");
  }
}
