package dev.mien.engine.io;

import dev.mien.engine.NetworkCard;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link NetworkCard} section of a {@code .mien} header: a count, then key / type tag / value
 * entries (little-endian). Card fields use plain keys, extras "x." keys; a reader skips keys it
 * does not know, so a newer writer may add fields without breaking older readers.
 */
final class NetworkCardCodec {
    private NetworkCardCodec() {}

    /** "CARD" as a little-endian u32: the section tag in the header. */
    static final int TAG = 'C' | 'A' << 8 | 'R' << 16 | 'D' << 24;

    private static final byte STR = 1, LONG = 2, DOUBLE = 3, BOOL = 4, STRS = 5;
    private static final String EXTRA = "x.";

    static byte[] encode(NetworkCard c) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("architecture", c.architecture());
        all.put("input", c.input());
        all.put("layout", c.layout().name());
        all.put("height", (long) c.height());
        all.put("width", (long) c.width());
        all.put("channels", (long) c.channels());
        all.put("preprocessing", c.preprocessing());
        all.put("output", c.output());
        all.put("softmax", c.softmax());
        all.put("labels", c.labels());
        c.extra().forEach((k, v) -> all.put(EXTRA + k, v));
        Out o = new Out();
        o.i32(all.size());
        all.forEach((k, v) -> { o.str(k); o.value(v); });
        return o.bytes();
    }

    /** Decodes a card; {@code problem} explains in one line what is wrong when it cannot. */
    static NetworkCard decode(ByteBuffer b) throws CardException {
        try {
            b = b.slice().order(ByteOrder.LITTLE_ENDIAN);
            int n = count(b, 6);
            Map<String, Object> fields = new LinkedHashMap<>();
            Map<String, Object> extra = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String key = str(b);
                Object v = value(b);
                if (key.startsWith(EXTRA)) extra.put(key.substring(EXTRA.length()), v);
                else fields.put(key, v);
            }
            NetworkCard.Layout layout;
            try { layout = NetworkCard.Layout.valueOf(get(fields, "layout", String.class)); } catch (IllegalArgumentException e) {
                throw new CardException("card has an unknown layout " + fields.get("layout"));
            }
            @SuppressWarnings("unchecked") List<String> labels = get(fields, "labels", List.class);
            return new NetworkCard(get(fields, "architecture", String.class), get(fields, "input", String.class), layout,
                    dim(fields, "height"), dim(fields, "width"), dim(fields, "channels"),
                    get(fields, "preprocessing", String.class), get(fields, "output", String.class),
                    get(fields, "softmax", Boolean.class), labels, extra);
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new CardException("card section is truncated");
        } catch (IllegalArgumentException e) {
            throw new CardException("bad card: " + e.getMessage());
        }
    }

    /** A card section that cannot be read. */
    static final class CardException extends Exception {
        CardException(String problem) { super(problem); }
    }

    private static <T> T get(Map<String, Object> f, String key, Class<T> type) throws CardException {
        Object v = f.get(key);
        if (!type.isInstance(v)) throw new CardException("card field " + key + (v == null ? " is missing" : " has the wrong type"));
        return type.cast(v);
    }

    private static int dim(Map<String, Object> f, String key) throws CardException {
        long v = get(f, key, Long.class);
        if (v < 0 || v > Integer.MAX_VALUE) throw new CardException("card field " + key + " out of range: " + v);
        return (int) v;
    }

    private static int count(ByteBuffer b, int minBytes) throws CardException {
        int n = b.getInt();
        if (n < 0 || (long) n * minBytes > b.remaining()) throw new CardException("card count " + n + " exceeds the section");
        return n;
    }

    private static String str(ByteBuffer b) throws CardException {
        byte[] u = new byte[count(b, 1)];
        b.get(u);
        return new String(u, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b) throws CardException {
        byte t = b.get();
        return switch (t) {
            case STR -> str(b);
            case LONG -> b.getLong();
            case DOUBLE -> b.getDouble();
            case BOOL -> b.get() != 0;
            case STRS -> {
                int n = count(b, 4);
                List<String> l = new ArrayList<>(n);
                for (int i = 0; i < n; i++) l.add(str(b));
                yield l;
            }
            default -> throw new CardException("card value of unknown type " + t);
        };
    }

    /** The card's typed values on top of {@link ByteSink}. */
    private static final class Out extends ByteSink {
        Out() { super(256); }

        void value(Object v) {
            switch (v) {
                case String s -> { i8(STR); str(s); }
                case Long l -> { i8(LONG); i64(l); }
                case Double d -> { i8(DOUBLE); f64(d); }
                case Boolean z -> { i8(BOOL); i8((byte) (z ? 1 : 0)); }
                case List<?> l -> { i8(STRS); i32(l.size()); for (Object e : l) str((String) e); }
                default -> throw new IllegalArgumentException("unsupported card value " + v.getClass());
            }
        }
    }
}
