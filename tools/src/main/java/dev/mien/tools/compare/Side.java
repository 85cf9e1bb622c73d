package dev.mien.tools.compare;

/** The two runtimes a comparison alternates between. */
public enum Side {
    MIEN("mien"), ONNXRUNTIME("onnxruntime");

    public final String label;

    Side(String label) { this.label = label; }
}
