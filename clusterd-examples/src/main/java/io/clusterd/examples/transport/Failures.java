package io.clusterd.examples.transport;

import io.clusterd.ClusterdException;
import io.clusterd.ErrorCode;
import io.clusterd.KeyName;
import io.clusterd.spi.Transport;
import java.nio.file.Path;
import java.util.Map;

/** The exceptions of the file transport, with the codes the SPI asks for, in one place. */
final class Failures {
  private Failures() { }

  /** The file refused a write it cannot hold, as an elektrad answers 400. */
  static ClusterdException refused(String message) {
    return new ClusterdException(ErrorCode.INSTANCE_ERROR, message, Map.of("status", 400));
  }

  /** A write outside {@code user:/}. */
  static ClusterdException notWritable(Path file, KeyName key) {
    return ClusterdException.of(ErrorCode.NAMESPACE_NOT_WRITABLE,
        "'" + key + "' cannot be written to " + file + ": the file transport stores only user:/ keys",
        Map.of("key", key.toString(), "file", file.toString()));
  }

  /** A lookup outside {@code user:/} (and cascading names, which resolve to it). */
  static ClusterdException notReadable(Path file, KeyName key) {
    return ClusterdException.of(ErrorCode.INVALID_KEY_NAME,
        "'" + key + "' cannot be looked up in " + file + ": the file transport holds only user:/ keys",
        Map.of("key", key.toString(), "file", file.toString()));
  }

  /** The file's directory is not there: the "host" is down. */
  static ClusterdException unreachable(Path file, String why) {
    // nothing was written: any operation may be sent again
    return ClusterdException.of(ErrorCode.INSTANCE_UNREACHABLE, file + " cannot be reached: " + why,
        Map.of("file", file.toString(), Transport.NOT_SENT, true));
  }

  /** The file exists but cannot be understood; it is never overwritten then. */
  static ClusterdException badFile(Path file, Throwable cause) {
    return new ClusterdException(ErrorCode.INSTANCE_BAD_ANSWER,
        file + " cannot be parsed, so clusterd neither reads nor rewrites it: " + cause.getMessage(),
        Map.of("file", file.toString()), cause);
  }

  /** Reading or writing failed (permissions, full disk); worth retrying, as an elektrad's 500. */
  static ClusterdException ioError(Path file, Throwable cause) {
    return new ClusterdException(ErrorCode.INSTANCE_ERROR, "I/O on " + file + " failed: " + cause,
        Map.of("file", file.toString(), "status", 500), cause);
  }
}
