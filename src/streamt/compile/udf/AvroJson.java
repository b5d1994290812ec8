package streamt.udf;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.apache.flink.avro.shaded.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.avro.shaded.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.avro.shaded.org.apache.avro.LogicalType;
import org.apache.flink.avro.shaded.org.apache.avro.LogicalTypes;
import org.apache.flink.avro.shaded.org.apache.avro.Schema;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericData;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericDatumReader;
import org.apache.flink.avro.shaded.org.apache.avro.generic.GenericFixed;
import org.apache.flink.avro.shaded.org.apache.avro.generic.IndexedRecord;
import org.apache.flink.avro.shaded.org.apache.avro.io.BinaryDecoder;
import org.apache.flink.avro.shaded.org.apache.avro.io.DecoderFactory;
import org.apache.flink.table.api.TableException;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * streamt's decoder for `on_bad_record: skip | dead_letter` on avro-confluent sources: the bytes
 * of one Kafka record in Confluent's wire format (magic byte 0, a 4-byte schema id, the Avro
 * body) as the JSON text of the record, or, when they cannot be decoded, the reason as text
 * (never starting with '{'). Writer schemas are fetched from the registry named by the job
 * parameters streamt.registry.url and streamt.registry.user-info (optional, user:password) and
 * cached per schema id; an id the registry does not know (HTTP 404) is cached as unknown. A
 * registry that cannot be reached fails the record's decode with an exception (the job
 * restarts), so no record is skipped for a transient outage. Logical types are written as
 * Flink's SQL casts read them: timestamps 'yyyy-MM-dd HH:mm:ss.SSS[SSS]' (UTC), dates
 * 'yyyy-MM-dd', times 'HH:mm:ss.SSS', decimals as numbers; other bytes as base64 text.
 * Declared non-deterministic so that the planner evaluates it once per record, not once per
 * column that reads its result.
 */
public class AvroJson extends ScalarFunction {
    private static final DateTimeFormatter MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private transient Map<Integer, Schema> schemas;
    private transient Map<Integer, GenericDatumReader<Object>> readers;
    private transient HttpClient http;
    private transient String url;
    private transient String auth;

    /**
     * The registry (url, auth) the job's parameters name, kept by the first instance that could
     * read them. An instance in a source's watermark generator (the event time is a computed
     * column calling this function) gets no job parameters from Flink and reads these: its
     * class is loaded by the job's classloader, and the instances of the checking view, chained
     * to the source in the same task, open before the source reads its first record.
     */
    private static volatile String[] shared;

    @Override
    public void open(FunctionContext context) {
        schemas = new HashMap<>();
        readers = new HashMap<>();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String base;
        String userInfo;
        try {
            base = context.getJobParameter("streamt.registry.url", "");
            userInfo = context.getJobParameter("streamt.registry.user-info", "");
        } catch (TableException e) {  // a watermark generator: registry() reads `shared`
            return;
        }
        url = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        auth = userInfo.isEmpty()
                ? null
                : "Basic " + Base64.getEncoder().encodeToString(
                        userInfo.getBytes(StandardCharsets.UTF_8));
        shared = new String[] {url, auth};
    }

    private void registry() {
        String[] known = shared;
        if (known == null) {
            throw new IllegalStateException(
                    "streamt_avro_json: no registry (no job parameters here, and no other "
                            + "instance of this job's task has opened)");
        }
        url = known[0];
        auth = known[1];
    }

    @Override
    public boolean isDeterministic() {
        return false;
    }

    public String eval(byte[] bytes) {
        if (bytes == null) {
            return "no value (a null record)";
        }
        if (bytes.length < 5 || bytes[0] != 0) {
            return "not Confluent Avro: its first byte is not 0";
        }
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        if (!schemas.containsKey(id)) {
            if (url == null) {
                registry();
            }
            schemas.put(id, fetch(id));
        }
        Schema schema = schemas.get(id);
        if (schema == null) {
            return "unknown schema id " + id + " (the registry does not know it)";
        }
        if (schema.getType() != Schema.Type.RECORD) {
            return "schema id " + id + " is not a record schema (" + schema.getType() + ")";
        }
        Object datum;
        try {
            GenericDatumReader<Object> reader =
                    readers.computeIfAbsent(id, k -> new GenericDatumReader<>(schema));
            BinaryDecoder decoder =
                    DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
            datum = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                return "schema id " + id + ": its body does not decode (bytes left over)";
            }
        } catch (Exception | StackOverflowError e) {
            return "schema id " + id + ": its body does not decode (" + e.getClass().getSimpleName() + ")";
        }
        StringBuilder out = new StringBuilder();
        write(out, schema, datum);
        return out.toString();
    }

    private Schema fetch(int id) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/schemas/ids/" + id))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "application/vnd.schemaregistry.v1+json");
        if (auth != null) {
            request.header("Authorization", auth);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("schema registry " + url + " cannot be reached: " + e, e);
        }
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "schema registry " + url + " answered " + response.statusCode() + " for schema id " + id);
        }
        try {
            JsonNode body = new ObjectMapper().readTree(response.body());
            return new Schema.Parser().parse(body.get("schema").asText());
        } catch (Exception e) {
            throw new IllegalStateException("schema id " + id + ": the registry's schema does not parse: " + e, e);
        }
    }

    private static void write(StringBuilder out, Schema schema, Object value) {
        if (value == null) {
            out.append("null");
            return;
        }
        switch (schema.getType()) {
            case UNION:
                int branch = GenericData.get().resolveUnion(schema, value);
                write(out, schema.getTypes().get(branch), value);
                return;
            case RECORD:
                IndexedRecord record = (IndexedRecord) value;
                out.append('{');
                boolean first = true;
                for (Schema.Field field : schema.getFields()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(out, field.name());
                    out.append(':');
                    write(out, field.schema(), record.get(field.pos()));
                }
                out.append('}');
                return;
            case ARRAY:
                out.append('[');
                boolean head = true;
                for (Object item : (Collection<?>) value) {
                    if (!head) {
                        out.append(',');
                    }
                    head = false;
                    write(out, schema.getElementType(), item);
                }
                out.append(']');
                return;
            case MAP:
                out.append('{');
                boolean start = true;
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    if (!start) {
                        out.append(',');
                    }
                    start = false;
                    string(out, entry.getKey().toString());
                    out.append(':');
                    write(out, schema.getValueType(), entry.getValue());
                }
                out.append('}');
                return;
            case INT:
            case LONG:
                logical(out, schema.getLogicalType(), ((Number) value).longValue());
                return;
            case FLOAT:
            case DOUBLE:
                double d = ((Number) value).doubleValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    string(out, Double.toString(d));
                } else {
                    out.append(value);
                }
                return;
            case BOOLEAN:
                out.append(value);
                return;
            case BYTES:
            case FIXED:
                byte[] raw = value instanceof GenericFixed
                        ? ((GenericFixed) value).bytes()
                        : bytesOf((ByteBuffer) value);
                if (schema.getLogicalType() instanceof LogicalTypes.Decimal) {
                    int scale = ((LogicalTypes.Decimal) schema.getLogicalType()).getScale();
                    out.append(new BigDecimal(new BigInteger(raw), scale).toPlainString());
                } else {
                    string(out, Base64.getEncoder().encodeToString(raw));
                }
                return;
            default: // STRING, ENUM
                string(out, value.toString());
        }
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] raw = new byte[copy.remaining()];
        copy.get(raw);
        return raw;
    }

    private static void logical(StringBuilder out, LogicalType type, long v) {
        String name = type == null ? "" : type.getName();
        switch (name) {
            case "date":
                string(out, LocalDate.ofEpochDay(v).toString());
                return;
            case "time-millis":
                string(out, TIME.format(LocalTime.ofNanoOfDay(v * 1_000_000L)));
                return;
            case "time-micros":
                string(out, TIME.format(LocalTime.ofNanoOfDay(v * 1_000L)));
                return;
            case "timestamp-millis":
            case "local-timestamp-millis":
                string(out, MILLIS.format(Instant.ofEpochMilli(v)));
                return;
            case "timestamp-micros":
            case "local-timestamp-micros":
                string(out, MICROS.format(Instant.ofEpochSecond(
                        Math.floorDiv(v, 1_000_000L), Math.floorMod(v, 1_000_000L) * 1_000L)));
                return;
            default:
                out.append(v);
        }
    }

    private static void string(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
