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
}
