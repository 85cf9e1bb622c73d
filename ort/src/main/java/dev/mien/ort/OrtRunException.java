package dev.mien.ort;

/** ONNX Runtime refused a model or a run; the message is one line naming the model. */
public final class OrtRunException extends RuntimeException {
    public OrtRunException(String message) { super(message); }
    public OrtRunException(String message, Throwable cause) { super(message, cause); }
}
