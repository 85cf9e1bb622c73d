package dev.mien.formats.torch;

import dev.mien.formats.torch.PickleObjects.Tuple;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The unpickler's limits are Python's rules, not refusals of ordinary pickles. */
class PickleLimitsTest {
    private static final Path FILE = Path.of("limits.pkl");

    private static Object load(byte[] pickle) throws CheckpointException {
        return new SafeUnpickler(FILE, pickle, 0, pid -> { throw new CheckpointException(FILE, "no storages here"); }).load();
    }

    private static byte[] intLiteral(String digits) {
        byte[] d = digits.getBytes();
        byte[] b = new byte[3 + d.length + 2];
        b[0] = (byte) 0x80; b[1] = 2; b[2] = 'I';
        System.arraycopy(d, 0, b, 3, d.length);
        b[3 + d.length] = '\n';
        b[4 + d.length] = '.';
        return b;
    }

    @Test
    void decimalIntegersUpToPythonsDigitCapAreRead() throws Exception {
        String max = "9".repeat(4300);
        assertEquals(new BigInteger(max), load(intLiteral(max)));
        assertEquals(-12L, load(intLiteral("-12")));
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(intLiteral("9".repeat(4400))));
        assertTrue(e.getMessage().contains("mien.limits.maxIntDigits"), e.getMessage());
    }

    @Test
    void theDigitCapIsRaisedBySystemProperty() throws Exception {
        String big = "7".repeat(5000);
        System.setProperty("mien.limits.maxIntDigits", "6000");
        try {
            assertEquals(new BigInteger(big), load(intLiteral(big)));
        } finally {
            System.clearProperty("mien.limits.maxIntDigits");
        }
        assertThrows(CheckpointException.class, () -> load(intLiteral(big)));
    }

    @Test
    void malformedNumbersAreOneLineErrors() {
        for (String bad : List.of("12x", "", "--1")) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> load(intLiteral(bad)));
            assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("For input string"), e.getMessage());
        }
        byte[] put = {(byte) 0x80, 2, 'N', 'p', 'x', 'y', '\n', '.'};
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(put));
        assertTrue(e.getMessage().contains("malformed memo index 'xy'"), e.getMessage());
    }

    @Test
    void hashableKeysAreKeptAndUnhashableOnesRefusedLikePython() throws Exception {
        byte[] tupleKey = new PickleWriter().proto(2).emptyDict().str("a").integer(1).op(0x86).str("v").setitem().stop().bytes();
        Map<?, ?> d = (Map<?, ?>) load(tupleKey);
        assertEquals("v", d.get(new Tuple(Arrays.asList("a", 1L))));
        byte[] dictKey = new PickleWriter().proto(2).emptyDict().emptyDict().none().setitem().stop().bytes();
        CheckpointException e = assertThrows(CheckpointException.class, () -> load(dictKey));
        assertTrue(e.getMessage().contains("unhashable dict key of type dict"), e.getMessage());
        byte[] listInTuple = new PickleWriter().proto(2).emptyDict().op(']').op(0x85).none().setitem().stop().bytes();
        assertThrows(CheckpointException.class, () -> load(listInTuple));
    }

    @Test
    void briefDescriptionsOfSharedStructuresStayShort() {
        Object t = "x";
        for (int i = 0; i < 200; i++) t = new Tuple(Arrays.asList(t, t));
        String s = PickleObjects.brief(t);
        assertTrue(s.length() < 200, s);
        assertTrue(PickleObjects.brief(BigInteger.TWO.pow(100_000)).contains("bits"));
        assertEquals("'\\u001b[31m'", PickleObjects.brief("\u001b[31m"));
    }
}
