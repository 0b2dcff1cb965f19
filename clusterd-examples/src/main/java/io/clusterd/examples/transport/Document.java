package io.clusterd.examples.transport;

import io.clusterd.KeyName;
import java.util.SortedMap;

/**
 * One configuration file's content seen as {@code user:/} keys. Implementations edit the parsed document in
 * place so that everything clusterd does not touch (unknown entries, value types, order) survives a write.
 *
 * <p>Not thread-safe: a document lives for one operation, under the file's lock.
 */
interface Document {

  /** Every existing key with its value, in Elektra order. */
  SortedMap<KeyName, String> keys();

  /**
   * Sets the value of a {@code user:/} key, creating it (and the structure above it) when missing.
   *
   * @throws io.clusterd.ClusterdException {@code INSTANCE_ERROR} (status 400) when the file's format cannot
   *     hold the key name
   */
  void set(KeyName key, String value);

  /** Removes a {@code user:/} key and everything below it; a missing key is no error. */
  void delete(KeyName key);

  /** The document written in its format. */
  byte[] toBytes();
}
