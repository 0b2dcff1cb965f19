package io.clusterd.examples.transport;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The file formats the transport reads and writes, chosen by the file name's extension. */
enum FileFormat {
  JSON(List.of(".json")) {
    @Override
    Document parse(byte[] bytes) throws IOException {
      return TreeDocument.parse(JSON_MAPPER, bytes);
    }
  },
  YAML(List.of(".yaml", ".yml")) {
    @Override
    Document parse(byte[] bytes) throws IOException {
      refuseWhatCannotBeWrittenBack(bytes);
      return TreeDocument.parse(YAML_MAPPER, bytes);
    }
  },
  PROPERTIES(List.of(".properties")) {
    @Override
    Document parse(byte[] bytes) throws IOException {
      return PropertiesDocument.parse(bytes);
    }
  };

  /**
   * JSON as people write it: indented, numbers read exactly ({@code 1.50} stays {@code 1.50}), a final newline;
   * content after the document is refused (it could not be written back). Also used for the metadata sidecars.
   */
  static final ObjectMapper JSON_MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .defaultPrettyPrinter(new DefaultPrettyPrinter().withSeparators(
          Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)))
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
      .build();

  /**
   * YAML without document marker, quoting strings only where YAML would read them as something else; a file with
   * several documents is refused (only one could be written back).
   */
  static final ObjectMapper YAML_MAPPER = YAMLMapper.builder()
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();

  private final List<String> extensions;

  /**
   * Anchors, aliases and tags would be lost (an alias reads as its name) when the document is written back, so
   * such files are not touched.
   */
  private static void refuseWhatCannotBeWrittenBack(byte[] bytes) throws IOException {
    try (YAMLParser parser = (YAMLParser) YAML_MAPPER.getFactory().createParser(bytes)) {
      while (parser.nextToken() != null) {
        if (parser.isCurrentAlias() || parser.getObjectId() != null || parser.getTypeId() != null) {
          throw new IOException("YAML anchors (&), aliases (*) and tags (!) are not supported, line "
              + parser.currentLocation().getLineNr());
        }
      }
    }
  }

  FileFormat(List<String> extensions) {
    this.extensions = extensions;
  }

  /** Parses a file's content; an empty file holds no keys. */
  abstract Document parse(byte[] bytes) throws IOException;

  /** The format of a file, by extension (case-insensitive). */
  static Optional<FileFormat> of(Path file) {
    Path name = file.getFileName();
    String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(f -> f.extensions.stream().anyMatch(lower::endsWith)).findFirst();
  }

  /** Every supported extension, for messages. */
  static List<String> allExtensions() {
    return Arrays.stream(values()).flatMap(f -> f.extensions.stream()).toList();
  }
}
