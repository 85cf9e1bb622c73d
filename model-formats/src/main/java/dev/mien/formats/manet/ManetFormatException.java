package dev.mien.formats.manet;

/** A state_dict that does not describe an MA-Net the builder can assemble. */
public final class ManetFormatException extends IllegalArgumentException {
    public ManetFormatException(String message) { super(message); }
}
