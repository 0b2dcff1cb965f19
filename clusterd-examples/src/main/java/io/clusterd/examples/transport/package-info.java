/**
 * The sample third-party transport plugin: {@code file://} instances, whose key database is one configuration
 * file. It is compiled against {@code clusterd-api} only (a test enforces it), registered through
 * {@code META-INF/services/io.clusterd.spi.TransportFactory} and packaged as its own jar
 * ({@code clusterd-examples-<version>-file-transport.jar}, with its libraries in {@code file-transport-lib/}), so the
 * daemon loads it with {@code --plugins DIR}.
 *
 * <h2>Endpoints</h2>
 * {@code file:///etc/app/config.json}: an absolute path of a {@code .json}, {@code .yaml}/{@code .yml} or
 * {@code .properties} file on the daemon's machine. A missing file holds no keys and is created by the first write;
 * a missing directory makes the instance unreachable ({@code INSTANCE_UNREACHABLE}, kept pending and re-sent by the
 * reconciler). A file that cannot be parsed answers {@code INSTANCE_BAD_ANSWER} and is never rewritten.
 *
 * <h2>Keys</h2>
 * Only {@code user:/} is stored: writes of other namespaces fail with {@code NAMESPACE_NOT_WRITABLE}, lookups of other
 * namespaces with {@code INVALID_KEY_NAME}; a cascading lookup ({@code /server/port}) resolves to {@code user:/}.
 * <ul>
 *   <li><b>JSON and YAML</b>: objects are the hierarchy, member names the (unescaped) key parts:
 *       {@code user:/server/port} is {@code {"server": {"port": "8080"}}}. A scalar is a key with a value (numbers
 *       and booleans read as their text); {@code null} and empty objects are no key. A key that has a value and
 *       keys below it keeps its value in the member {@code ___dirdata} (as Elektra's {@code directoryvalue} plugin
 *       does): {@code {"server": {"___dirdata": "main", "port": "8080"}}}; the part {@code ___dirdata} is reserved.
 *       Arrays are Elektra arrays: element {@code i} is the part {@code #i} ({@code #0}, {@code #_10}), a
 *       {@code null} element is a hole. clusterd writes an array when a new container's first element is
 *       {@code #0} and appends in order; a write that would leave a gap, or a non-index part below an array, turns
 *       that array into an object with members {@code "#0"}, {@code "#1"}, ... (lossless, the keys stay the same).
 *   <li><b>Properties</b>: a name is the key's parts joined with dots ({@code server.port=8080}); a key may have a
 *       value and keys below it ({@code server=main} next to {@code server.port=8080}); a dot or backslash inside a
 *       part is escaped with a backslash in the name. Comments, blank lines, order and the spelling of untouched
 *       lines are kept.
 * </ul>
 * Values written by clusterd are strings, except that a number or boolean stays one when the new value is one
 * too ({@code "port": 8080} set to {@code 8081} stays a number). Entries clusterd does not manage are kept: each
 * write reads the whole document, changes only its keys and writes the whole document back. JSON is written
 * indented; YAML comments are not kept (the YAML library does not keep them). Files clusterd could not write
 * back as they are, YAML with anchors, aliases, tags or several documents and JSON with content after the
 * document, answer {@code INSTANCE_BAD_ANSWER} and are left alone.
 *
 * <h2>Metadata</h2>
 * Metadata lives in a sidecar file {@code <file>.meta.json} beside the file, a JSON object from key name to its
 * metadata: {@code {"user:/server/port": {"check/type": "long"}}}. The file is authoritative: metadata of keys it
 * does not hold is ignored and dropped on the next write. The sidecar is deleted when no metadata is left.
 *
 * <h2>Writes</h2>
 * Atomic: the new content goes to a temporary file in the same directory, is forced to disk
 * ({@code FileChannel.force}), takes the old file's permissions and is renamed over the file with
 * {@code ATOMIC_MOVE}; the directory is forced after the rename. Readers never see a half-written file. The data
 * file is written before the sidecar: a crash between the two can lose the metadata change of that one write,
 * never values. A write that changes nothing does not touch the file.
 *
 * <h2>Threads</h2>
 * Every operation runs on the factory's I/O threads, never on the caller's; operations on one file are serialized
 * by a lock shared by all transports of the factory. Writers in other processes are not locked out: an edit made
 * by hand between clusterd's read and its rename is overwritten; otherwise hand edits show at the next read.
 */
package io.clusterd.examples.transport;
