package io.clusterd.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.KeyOperation;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON shape of the store's JSON columns is fixed: files written today must read the same tomorrow. */
class JsonColumnsTest {

  private static KeyName key(String name) {
    return KeyName.parse(name);
  }

  @Test
  void writeOperation_eachKind_hasTheDocumentedShape() {
    assertEquals("{\"kind\":\"set\",\"key\":\"user:/a\",\"value\":\"1\"}",
        JsonColumns.writeOperation(KeyOperation.set(key("user:/a"), "1")));
    assertEquals("{\"kind\":\"delete\",\"key\":\"user:/a\"}",
        JsonColumns.writeOperation(KeyOperation.delete(key("user:/a"))));
    assertEquals("{\"kind\":\"move\",\"key\":\"user:/a\",\"target\":\"user:/b\"}",
        JsonColumns.writeOperation(KeyOperation.move(key("user:/a"), key("user:/b"))));
    assertEquals("{\"kind\":\"set-meta\",\"key\":\"user:/a\",\"value\":\"long\",\"metaName\":\"type\"}",
        JsonColumns.writeOperation(KeyOperation.setMeta(key("user:/a"), "type", "long")));
  }

  @Test
  void readOperation_writtenOperation_isEqual() {
    KeyOperation escaped = KeyOperation.copy(key("user:/a\\/b/\\#10"), key("system:/x/%"));

    assertEquals(escaped, JsonColumns.readOperation(JsonColumns.writeOperation(escaped)));
  }

  @Test
  void readOperation_unknownFieldsAndNulls_areIgnored() {
    assertEquals(KeyOperation.deleteMeta(key("user:/a"), "m"),
        JsonColumns.readOperation("{\"kind\":\"delete-meta\",\"key\":\"user:/a\",\"metaName\":\"m\",\"value\":null,\"x\":1}"));
  }

  @Test
  void readOperation_badDocuments_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> JsonColumns.readOperation("not json"));
    assertThrows(IllegalArgumentException.class, () -> JsonColumns.readOperation("[]"));
    assertThrows(IllegalArgumentException.class, () -> JsonColumns.readOperation("{\"key\":\"user:/a\"}"));
    assertThrows(IllegalArgumentException.class, () -> JsonColumns.readOperation("{\"kind\":\"rename\",\"key\":\"user:/a\"}"));
    assertThrows(IllegalArgumentException.class, () -> JsonColumns.readOperation("{\"kind\":\"set\",\"key\":\"user:/a\"}"));
    assertThrows(IllegalArgumentException.class,
        () -> JsonColumns.readOperation("{\"kind\":\"set\",\"key\":\"user:/a\",\"value\":5}"));
    ClusterdException e = assertThrows(ClusterdException.class,
        () -> JsonColumns.readOperation("{\"kind\":\"delete\",\"key\":\"nonsense:/a\"}"));
    assertEquals(ErrorCode.INVALID_KEY_NAME, e.code());
  }

  @Test
  void maps_roundTripAndRefuseNonStringValues() {
    Map<String, String> map = Map.of("", "", "a\"b", "\u0000", "😀", "{}");

    assertEquals(map, JsonColumns.readMap(JsonColumns.writeMap(map)));
    assertEquals("{}", JsonColumns.writeMap(Map.of()));
    assertEquals(Map.of(), JsonColumns.readMap(" { } "));
    assertThrows(IllegalArgumentException.class, () -> JsonColumns.readMap("{\"a\":1}"));
    assertThrows(IllegalArgumentException.class, () -> JsonColumns.readMap("{\"a\":\"b\"} trailing"));
    assertThrows(IllegalArgumentException.class, () -> JsonColumns.readMap("[\"a\"]"));
  }
}
