package dev.mien.engine.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ReadLimitsTest {

    @Test
    void defaultsAndSystemPropertiesThatRaiseThem() {
        assertEquals(ReadLimits.DEFAULT, ReadLimits.current());
        System.setProperty("mien.limits.maxImagePixels", "400_000_000");
        try {
            assertEquals(400_000_000L, ReadLimits.current().maxImagePixels());
            assertEquals(ReadLimits.DEFAULT.maxTensorElements(), ReadLimits.current().maxTensorElements());
        } finally {
            System.clearProperty("mien.limits.maxImagePixels");
        }
        System.setProperty("mien.limits.maxNesting", "-3");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ReadLimits::current);
            assertTrue(e.getMessage().contains("mien.limits.maxNesting"), e.getMessage());
        } finally {
            System.clearProperty("mien.limits.maxNesting");
        }
    }

    @Test
    void inflationIsBoundedByRatioAboveAFloor() {
        ReadLimits l = ReadLimits.DEFAULT;
        assertEquals(ReadLimits.INFLATE_FLOOR_BYTES, l.maxInflatedBytes(10));
        assertEquals(100L * (64 << 20), l.maxInflatedBytes(64 << 20));
        assertEquals(Long.MAX_VALUE, l.maxInflatedBytes(Long.MAX_VALUE / 2));
    }

    @Test
    void printableTextHasNoControlCharactersAndIsCut() {
        String evil = "\u001b[31mred\u001b[0m\nnext line" + "x".repeat(1000);
        String c = Printable.clip(evil, 40);
        assertTrue(c.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f), c);
        assertTrue(c.startsWith("\\u001b[31mred\\u001b[0m\\nnext"), c);
        assertTrue(c.endsWith("(1022 chars)"), c);
        assertEquals("plain", Printable.clip("plain"));
        assertEquals("\\u00e9t\\u00e9", Printable.clip("été"));
    }

    /** A failure without a message still says why in words, never "null" (the fuzzer's "corrupt header (null)"). */
    @Test
    void reasonsAreWordsEvenWithoutAMessage() {
        assertEquals("the data ends early", Printable.reason(new java.nio.BufferUnderflowException(), 80));
        assertEquals("the data ends early", Printable.reason(new java.io.EOFException(), 80));
        assertEquals("an offset or length points outside the data", Printable.reason(new IndexOutOfBoundsException(), 80));
        assertEquals("a negative size", Printable.reason(new NegativeArraySizeException(), 80));
        assertEquals("IllegalStateException", Printable.reason(new IllegalStateException(), 80));
        assertEquals("bad \\u001b[0... (998 chars)", Printable.reason(new IllegalArgumentException("bad \u001b[0m" + "x".repeat(990)), 12));
    }

    /** The CLI's last guard: control, format and bidi characters escaped; letters of any script kept. */
    @Test
    void aLineKeepsLettersAndEscapesWhatDrivesATerminal() {
        assertEquals("\u00e9t\u00e9 \\u001b[31m \\n \\u202e x", Printable.line("\u00e9t\u00e9 \u001b[31m \n \u202e x", 100));
        assertEquals("\u00e9t\u00e9", Printable.line("\u00e9t\u00e9", 100), "accents stay as they are");
        assertEquals("\ud83d\ude00 \\ud83d", Printable.line("\ud83d\ude00 \ud83d", 100), "a paired surrogate stays, a lone one is escaped");
        assertEquals("abc... (10 chars)", Printable.line("abcdefghij", 3));
    }
}
